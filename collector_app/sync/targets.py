"""The province's yearly plan on the provincial server, for a signed-in supervisor: a point's targets read
and set one at a time, and a plan file imported whole (the server reads and checks it, as
`provincial-server import-targets` does: one wrong line and nothing is written). No Qt.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from collector_app.i18n import _
from collector_app.sync.client import ProtocolError

MAX_PLAN_BYTES = 3 * 1024 * 1024
"""A plan file sent at most (the server's limit): a province's plan is a few hundred lines."""


class TargetsSource(Protocol):
    def get_json(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]: ...

    def post_json(self, path: str, body: Mapping[str, object]) -> dict[str, Any]: ...

    def put_json(self, path: str, body: Mapping[str, object]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PointTarget:
    year: int
    point_code: str
    scheme: str  # "vsi" | "family_hi"
    participants: int
    amount: int | None  # VND; None: the plan gives no amount


@dataclass(frozen=True)
class PlanImported:
    imported: int  # targets the file holds
    written: int  # of them, new or changed
    unchanged: int
    points: int  # points whose devices will pull them


def point_targets(source: TargetsSource, *, year: int, point: str) -> tuple[PointTarget, ...]:
    answer = source.get_json("/targets", {"year": year, "point": point})
    rows = answer.get("targets")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ProtocolError("targets")
    return tuple(_target(row) for row in rows)


def set_target(source: TargetsSource, target: PointTarget) -> PointTarget:
    """Set one point's target for a year and scheme, in place of any; the target as the server holds it."""
    return _target(source.put_json(f"/targets/{target.year}/{target.point_code}/{target.scheme}",
                                   {"participants": target.participants, "amount": target.amount}))


class PlanFileError(Exception):
    """The plan file cannot be read or is too large to send; the message says so for the user."""


def read_plan_file(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)
    except OSError as error:
        raise PlanFileError(_("The plan file {name} cannot be read: {reason}").format(
            name=path.name, reason=error.strerror or type(error).__name__)) from error
    if len(data) > MAX_PLAN_BYTES:
        raise PlanFileError(_("The plan file {name} is larger than {size} MB: a plan is a few hundred lines of "
                              "CSV or one sheet of XLSX.").format(name=path.name, size=MAX_PLAN_BYTES // 2**20))
    return data


def import_plan(source: TargetsSource, data: bytes) -> PlanImported:
    answer = source.post_json("/targets/import", {"content": base64.b64encode(data).decode("ascii")})
    return PlanImported(imported=_int(answer, "imported"), written=_int(answer, "written"),
                        unchanged=_int(answer, "unchanged"), points=_int(answer, "points"))


def _target(row: Mapping[str, Any]) -> PointTarget:
    amount = row.get("amount")
    point, scheme = row.get("point_code"), row.get("scheme")
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
        raise ProtocolError("amount")
    if not isinstance(point, str) or not isinstance(scheme, str):
        raise ProtocolError("target")
    return PointTarget(year=_int(row, "year"), point_code=point, scheme=scheme,
                       participants=_int(row, "participants"), amount=amount)


def _int(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(name)
    return value
