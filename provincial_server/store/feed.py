"""The change feed devices pull (`since` a cursor): supervisors' decisions, published policy tables, the
initial health-care facilities (each facility's latest change only) and visit rounds handed on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from provincial_server.store.schema import (
    batch_records,
    changes,
    decisions,
    facilities,
    policy_tables,
    round_notices,
    supervisors,
)

# Any constant: the key of the PostgreSQL advisory lock that keeps change ids in commit order.
_FEED_LOCK = 0x5EED


@dataclass(frozen=True)
class ChangeRow:
    change_id: int
    kind: str  # "decision", "policy", "facility" or "target" (a point's targets changed)
    record_id: str | None
    batch_id: str | None
    decision: str | None
    reason: str | None
    decided_at: datetime | None
    document: str | None  # policy table, canonical JSON
    # A facility whose latest change this is (all None for an older change of a facility).
    facility_code: str | None = None
    facility_name: str | None = None
    facility_province: str | None = None
    facility_address: str | None = None
    facility_withdrawn_at: datetime | None = None
    # A visit round or visit handed on ("round"): the record as accepted, and the device that sent it.
    notice_record_id: str | None = None
    notice_kind: str | None = None
    notice_payload: str | None = None  # canonical JSON
    notice_device_id: str | None = None


@dataclass(frozen=True)
class DecisionRow:
    """A supervisor's decision as the audit trail holds it."""

    change_id: int
    record_id: str
    batch_id: str
    decision: str  # "approve" or "reject"
    reason: str
    decided_at: datetime
    supervisor: str  # the username
    supersedes: int | None  # the change id of the decision it replaced


_DECISION_COLUMNS = (decisions.c.change_id, decisions.c.record_id, decisions.c.batch_id, decisions.c.decision,
                     decisions.c.reason, decisions.c.decided_at, supervisors.c.username, decisions.c.supersedes)


class Feed:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def append(self, kind: str, *, point_code: str | None, now: datetime) -> int:
        """A new change id, larger than every id committed before it.

        On PostgreSQL ids come from a sequence in the order transactions ask, not the order they
        commit: a reader could see id 7 before id 6 commits and step over 6 for good. The
        transaction-scoped lock makes writers of the feed take turns until they commit. (SQLite
        writers take turns anyway.) Decisions and publications are rare, so the queue is short.
        """
        self._take_turn()
        change_id = self._connection.execute(
            changes.insert().values(kind=kind, point_code=point_code, created_at=now).returning(changes.c.id)
        ).scalar_one()
        return int(change_id)

    def append_many(self, kind: str, count: int, *, now: datetime, point_code: str | None = None) -> list[int]:
        """`count` new change ids for `point_code` (None: every point), ascending, larger than every id
        committed before them."""
        if count <= 0:
            return []
        self._take_turn()
        # insertmanyvalues: a few multi-row INSERT ... RETURNING statements on both databases.
        result = self._connection.execute(changes.insert().returning(changes.c.id),
                                          [{"kind": kind, "point_code": point_code, "created_at": now}] * count)
        return sorted(int(change_id) for change_id in result.scalars())

    def _take_turn(self) -> None:
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(select(func.pg_advisory_xact_lock(_FEED_LOCK)))

    def add_decision(self, change_id: int, *, record_id: str, batch_id: str, decision: str, reason: str,
                     decided_at: datetime, supervisor_id: int, supersedes: int | None = None) -> None:
        self._connection.execute(decisions.insert().values(
            change_id=change_id, record_id=record_id, batch_id=batch_id, decision=decision, reason=reason,
            decided_at=decided_at, supervisor_id=supervisor_id, supersedes=supersedes,
        ))

    def add_first_decisions(self, change_ids: list[int], record_ids: list[str], *, batch_id: str, decision: str,
                            decided_at: datetime, supervisor_id: int) -> None:
        """One decision per record (none decided before), with an empty reason, in one statement."""
        self._connection.execute(decisions.insert(), [
            {"change_id": change_id, "record_id": record_id, "batch_id": batch_id, "decision": decision,
             "reason": "", "decided_at": decided_at, "supervisor_id": supervisor_id, "supersedes": None}
            for change_id, record_id in zip(change_ids, record_ids, strict=True)])

    def decisions_of_record(self, record_id: str) -> list[DecisionRow]:
        """Every decision on a record, oldest first."""
        query = (select(*_DECISION_COLUMNS).join(supervisors, supervisors.c.id == decisions.c.supervisor_id)
                 .where(decisions.c.record_id == record_id).order_by(decisions.c.change_id))
        return [DecisionRow(*row) for row in self._connection.execute(query)]

    def latest_decisions(self, batch_id: str) -> dict[str, DecisionRow]:
        """The latest decision on each record of a batch that has one, by record id."""
        latest: dict[str, DecisionRow] = {}
        query = (select(*_DECISION_COLUMNS).join(supervisors, supervisors.c.id == decisions.c.supervisor_id)
                 .where(decisions.c.batch_id == batch_id).order_by(decisions.c.change_id))
        for row in self._connection.execute(query):
            latest[row[1]] = DecisionRow(*row)  # later ones replace earlier ones
        return latest

    def add_policy(self, change_id: int, *, version: str, document: str, now: datetime) -> None:
        self._connection.execute(policy_tables.insert().values(
            version=version, change_id=change_id, document=document, published_at=now,
        ))

    def add_round_notices(self, change_ids: list[int], positions: list[int], *, batch_id: str, device_id: str) -> None:
        """Each change hands on the batch's record at the matching position (a round or a visit)."""
        self._connection.execute(round_notices.insert(), [
            {"change_id": change_id, "batch_id": batch_id, "position": position, "device_id": device_id}
            for change_id, position in zip(change_ids, positions, strict=True)])

    def policy_document(self, version: str) -> str | None:
        return self._connection.scalar(select(policy_tables.c.document).where(policy_tables.c.version == version))

    def policy_versions(self) -> list[str]:
        return list(self._connection.scalars(select(policy_tables.c.version).order_by(policy_tables.c.change_id)))

    def since(self, cursor: int, *, point_code: str, limit: int) -> list[ChangeRow]:
        """Changes after `cursor` for one point (its decisions, every policy table and facility), oldest first."""
        query = (
            select(changes.c.id, changes.c.kind, decisions.c.record_id, decisions.c.batch_id,
                   decisions.c.decision, decisions.c.reason, decisions.c.decided_at, policy_tables.c.document,
                   facilities.c.code, facilities.c.name, facilities.c.province_code, facilities.c.address,
                   facilities.c.withdrawn_at, batch_records.c.record_id, batch_records.c.kind, batch_records.c.payload,
                   round_notices.c.device_id)
            .select_from(
                changes.outerjoin(decisions, decisions.c.change_id == changes.c.id)
                .outerjoin(policy_tables, policy_tables.c.change_id == changes.c.id)
                .outerjoin(facilities, facilities.c.change_id == changes.c.id)
                .outerjoin(round_notices, round_notices.c.change_id == changes.c.id)
                .outerjoin(batch_records, and_(batch_records.c.batch_id == round_notices.c.batch_id,
                                               batch_records.c.position == round_notices.c.position))
            )
            .where(changes.c.id > cursor, or_(changes.c.point_code == point_code, changes.c.point_code.is_(None)))
            .order_by(changes.c.id)
            .limit(limit)
        )
        return [ChangeRow(*row) for row in self._connection.execute(query)]

    def last_id(self) -> int:
        return int(self._connection.scalar(select(func.coalesce(func.max(changes.c.id), 0))) or 0)
