"""The server's progress figures (`GET /progress`, `/progress/mine`) read into the domain's nouns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collector_app.domain.progress import MonthFigures, Progress, SchemeProgress
from collector_app.sync.client import ProtocolError, check_progress
from collector_app.wire import parse_wire_time


@dataclass(frozen=True)
class ServerProgress:
    scope: str  # point, commune or province
    code: str | None
    name: str | None
    points: tuple[str, ...]
    progress: Progress
    # None: the figures count every batch the server holds; else batches came after some points' figures were
    # computed (the server is counting them): when the oldest of those was computed.
    as_of: datetime | None = None


def read_progress(answer: Mapping[str, Any]) -> ServerProgress:
    """The figures of a progress answer (ProtocolError when it has not the shape of one)."""
    check_progress(answer)
    schemes = tuple(
        SchemeProgress(
            scheme=scheme["scheme"], participants=scheme["participants"], new=scheme["new"], amount=scheme["amount"],
            last_year_participants=scheme["last_year_participants"], last_year_amount=scheme["last_year_amount"],
            target_participants=scheme["target_participants"], target_amount=scheme["target_amount"],
            months=tuple(MonthFigures(**{name: month[name] for name in MonthFigures.__dataclass_fields__})
                         for month in scheme["months"]))
        for scheme in answer["schemes"])
    try:
        as_of = None if answer.get("as_of") is None else parse_wire_time(answer["as_of"])
    except ValueError:
        raise ProtocolError("progress.as_of") from None
    return ServerProgress(scope=answer["scope"], code=answer["code"], name=answer["name"],
                          points=tuple(str(code) for code in answer["points"]),
                          progress=Progress(year=answer["year"], schemes=schemes), as_of=as_of)
