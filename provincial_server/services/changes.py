"""What a device pulls with its cursor: decisions on its point's records, new policy tables, reference data
(the point and its series, the initial health-care facilities), and the visit rounds and visits the point's
other devices sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from collector_app.wire import ErrorCode
from provincial_server.services.errors import Invalid
from provincial_server.services.review import DecisionMade
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Reference:
    point_code: str
    point_name: str
    device_code: str
    series: str
    policy_versions: list[str]


@dataclass(frozen=True)
class FacilityState:
    """A facility as the list holds it now; `version` is its latest change id."""

    code: str
    name: str
    province_code: str | None
    address: str | None
    withdrawn: bool
    version: int


@dataclass(frozen=True)
class TargetState:
    """One of the point's targets now; `version` is the page's latest change of the point's targets."""

    year: int
    scheme: str
    participants: int
    amount: int | None
    version: int


@dataclass(frozen=True)
class RoundHandedOn:
    """A visit round or a visit another device of the point sent, as it was accepted."""

    record_id: str
    kind: str
    payload: dict[str, Any]
    device_id: str


@dataclass(frozen=True)
class Changes:
    cursor: int
    decisions: list[DecisionMade]
    policy_tables: list[dict[str, Any]]
    reference: Reference
    more: bool
    facilities: list[FacilityState]
    targets: list[TargetState]
    rounds: list[RoundHandedOn]


def parse_cursor(text: str | None) -> int:
    """A cursor as given back by the device ("" or None: from the start)."""
    if not text:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise Invalid(ErrorCode.REQUEST_INVALID, "since must be a cursor given by this server")
    return int(text)


def changes_since(uow: UnitOfWork, device: DeviceRow, cursor: int, *, limit: int) -> Changes:
    """Up to `limit` changes after `cursor` for the device's point, oldest first, and the next cursor."""
    with uow:
        rows = uow.feed.since(cursor, point_code=device.point_code, limit=limit + 1)
        point = uow.points.get(device.point_code)
        versions = uow.feed.policy_versions()
        page = rows[:limit]
        # A change of targets names only the point: the page then carries all of the point's targets
        # (a handful), as they stand, versioned by the page's latest such change.
        target_version = max((row.change_id for row in page if row.kind == "target"), default=None)
        held = [] if target_version is None else uow.targets.of(None, [device.point_code])
    assert point is not None
    targets = [TargetState(year=row.year, scheme=row.scheme, participants=row.participants, amount=row.amount,
                           version=target_version) for row in held if target_version is not None]
    decisions = [
        DecisionMade(record_id=row.record_id, batch_id=row.batch_id, decision=row.decision, reason=row.reason or "",
                     decided_at=row.decided_at)
        for row in page
        if row.kind == "decision" and row.record_id and row.batch_id and row.decision and row.decided_at
    ]
    tables = [json.loads(row.document) for row in page if row.kind == "policy" and row.document]
    # An older change of a facility that changed again joins no facility: only its latest is sent.
    facilities = [
        FacilityState(code=row.facility_code, name=row.facility_name, province_code=row.facility_province,
                      address=row.facility_address, withdrawn=row.facility_withdrawn_at is not None,
                      version=row.change_id)
        for row in page
        if row.kind == "facility" and row.facility_code is not None and row.facility_name is not None
    ]
    # Rounds and visits go to the point's devices (the feed's rows are the point's) but the one that sent them.
    rounds = [
        RoundHandedOn(record_id=row.notice_record_id, kind=row.notice_kind, payload=json.loads(row.notice_payload),
                      device_id=row.notice_device_id)
        for row in page
        if row.kind == "round" and row.notice_record_id and row.notice_kind and row.notice_payload
        and row.notice_device_id and row.notice_device_id != device.device_id
    ]
    return Changes(
        cursor=page[-1].change_id if page else cursor, decisions=decisions, policy_tables=tables, rounds=rounds,
        reference=Reference(point_code=point.code, point_name=point.name, device_code=device.device_code,
                            series=device.series, policy_versions=versions),
        more=len(rows) > limit, facilities=facilities, targets=targets,
    )
