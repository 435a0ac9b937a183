"""Publishing policy tables to devices, and the cache of published tables the record checks use."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from collector_app.domain.policy import PolicyTable, PolicyTableError
from collector_app.wire import ErrorCode, canonical_json
from provincial_server.services.errors import Conflict, Invalid
from provincial_server.services.records import Recalculator
from provincial_server.store.unit_of_work import UnitOfWork


def json_ready(value: Any) -> Any:
    """A parsed TOML table as JSON data: dates become ISO text, which `PolicyTable.from_mapping` reads back."""
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, datetime):
        raise TypeError(f"a policy table holds dates, not times: {value}")
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Published:
    version: str
    new: bool  # False when the same table was published before


def publish_policy(uow: UnitOfWork, data: Mapping[str, Any], *, now: datetime) -> Published:
    """Validate a policy table (as parsed from TOML) and publish it to every device's next pull.

    Publishing the same version again with the same content does nothing; with other content it
    is refused: devices may already have recorded payments against that version.
    """
    try:
        document = json_ready(data)
        table = PolicyTable.from_mapping(document)
    except (PolicyTableError, TypeError) as error:
        raise Invalid(ErrorCode.REQUEST_INVALID, str(error)) from None
    text = canonical_json(document).decode("utf-8")
    with uow:
        existing = uow.feed.policy_document(table.version)
        if existing is not None:
            if existing != text:
                raise Conflict(ErrorCode.ALREADY_EXISTS,
                               f"policy table {table.version} was published with other content; "
                               "publish the change under a new version")
            return Published(table.version, new=False)
        change_id = uow.feed.append("policy", point_code=None, now=now)
        uow.feed.add_policy(change_id, version=table.version, document=text, now=now)
        uow.commit()
    return Published(table.version, new=True)


class PolicyTables:
    """Published tables by version, parsed once per process (a version never changes once published)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, Recalculator] = {}

    def recalculator(self, uow: UnitOfWork, version: str) -> Recalculator | None:
        """The calculators of `version`, or None while it is not published (not remembered: it may be later)."""
        with self._lock:
            found = self._tables.get(version)
        if found is not None:
            return found
        text = uow.feed.policy_document(version)
        if text is None:
            return None
        table = Recalculator(PolicyTable.from_mapping(json.loads(text)))
        with self._lock:
            return self._tables.setdefault(version, table)
