"""Collaborators' hand-overs in the store: the cash each still holds, and recording what they hand over.

A collaborator takes payments as a user of the point's device (`collector-app user add --role
collaborator`): their receipts are in this store under their user id, and the cash is theirs to hold
until a collector or supervisor records its hand-over here. A receipt is held from its payment until a
hand-over covers it (`handover_receipts`, one row per receipt, so never twice); a voided receipt
holds no cash (the payer got it back) but is covered too, so that it stops being listed. Each hand-over
is one transaction: the row, the receipts it covers, its chained audit entry and its outbox row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from collector_app.domain.closing import Handover, hand_over
from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.audit import chain_money
from collector_app.store.closing import refuse_closed_handover
from collector_app.store.db import Store
from collector_app.store.device import Device
from collector_app.store.stamps import new_id, utc_now
from collector_app.store.users import User
from collector_app.wire import ChainKind, HandoverPayload

OUTBOX_HANDOVER = "handover"  # wire.RecordKind.HANDOVER
_RECEIVERS = (Role.COLLECTOR, Role.SUPERVISOR)

# A collaborator's cash receipts no hand-over covers yet, each with its cash (0 once voided).
_HELD = """
SELECT r.id, r.series, r.year, r.number, p.paid_on,
       CASE WHEN v.id IS NULL THEN p.amount ELSE 0 END
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
LEFT JOIN voids AS v ON v.receipt_id = r.id
LEFT JOIN handover_receipts AS h ON h.receipt_id = r.id
WHERE p.created_by = :user AND p.method = 'cash' AND h.receipt_id IS NULL
ORDER BY p.paid_on, r.series, r.year, r.number
"""
_INSERT = ("INSERT INTO handovers (id, collaborator_id, expected, amount, difference, reason, created_at, created_by, "
           "device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_OUTBOX = ("INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True)
class _Held:
    receipt_id: str
    number: ReceiptNumber
    paid_on: date
    cash: int


def _held(connection: Connection, user_id: str) -> list[_Held]:
    return [_Held(receipt_id=row[0], number=ReceiptNumber(symbol=row[1], year=row[2], number=row[3]),
                  paid_on=date.fromisoformat(row[4]), cash=int(row[5]))
            for row in connection.exec_driver_sql(_HELD, {"user": user_id})]


@dataclass(frozen=True)
class RecordedHandover:
    handover_id: str
    collaborator: str  # username
    receipt_numbers: tuple[str, ...]
    handover: Handover
    received_at: str


def record_handover(store: Store, *, collaborator: User, receipts: Sequence[ReceiptNumber] | None,
                    until: date | None, amount: int | None, reason: str | None, actor: User,
                    device: Device) -> RecordedHandover:
    """Record that `collaborator` handed `amount` (None: exactly the cash due) to `actor` for the given
    receipts, or for every receipt they hold paid on or before `until`. DomainError: a receiver who is
    not a collector or supervisor, a user who is not a collaborator, a receipt they do not hold, nothing
    held, a difference without a reason."""
    if actor.role not in _RECEIVERS:
        raise DomainError(Problem(ProblemCode.ROLE_MAY_NOT_RECEIVE_HANDOVER, {"user": actor.username}))
    if collaborator.role is not Role.COLLABORATOR:
        raise DomainError(Problem(ProblemCode.HANDOVER_NOT_A_COLLABORATOR, {"user": collaborator.username}))
    with store.begin() as connection:
        held = _held(connection, collaborator.user_id)
        if receipts is not None:
            by_number = {str(h.number): h for h in held}
            missing = [str(n) for n in receipts if str(n) not in by_number]
            if missing:
                raise DomainError(Problem(ProblemCode.HANDOVER_RECEIPT_NOT_HELD,
                                          {"number": missing[0], "user": collaborator.full_name}))
            covered = [by_number[str(n)] for n in dict.fromkeys(receipts)]
        else:
            covered = [h for h in held if until is None or h.paid_on <= until]
        if not covered:
            raise DomainError(Problem(ProblemCode.HANDOVER_NOTHING_HELD, {"user": collaborator.full_name}))
        handover = hand_over(sum(h.cash for h in covered), amount, reason)
        now = utc_now()
        refuse_closed_handover(connection, receiver=actor.user_id, now=now)
        handover_id = new_id()
        connection.exec_driver_sql(_INSERT, (handover_id, collaborator.user_id, handover.expected, handover.amount,
                                             handover.difference, handover.reason, now, actor.user_id,
                                             device.device_id))
        connection.exec_driver_sql("INSERT INTO handover_receipts (receipt_id, handover_id) VALUES (?, ?)",
                                   [(h.receipt_id, handover_id) for h in covered])
        chain_money(connection, ChainKind.HANDOVER, handover_id, created_at=now, created_by=actor.user_id,
                    device_id=device.device_id)
        numbers = tuple(str(h.number) for h in covered)
        payload = HandoverPayload(
            id=handover_id, collaborator=collaborator.username, received_by=actor.username,
            receipt_numbers=list(numbers), expected=handover.expected, amount=handover.amount,
            difference=handover.difference, reason=handover.reason, received_at=now, device_id=device.device_id)
        connection.exec_driver_sql(_OUTBOX, (new_id(), OUTBOX_HANDOVER, handover_id, json.dumps(
            payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True), now, now, actor.user_id,
            device.device_id))
    return RecordedHandover(handover_id=handover_id, collaborator=collaborator.username, receipt_numbers=numbers,
                            handover=handover, received_at=now)


@dataclass(frozen=True)
class CollaboratorCash:
    """One collaborator's cash (VND): taken in payments (less voids), handed over, still held."""

    user_id: str
    username: str
    full_name: str
    collected: int
    handed_over: int
    held: int  # cash of receipts no hand-over covers yet
    held_receipts: int
    oldest_held: date | None  # the earliest payment date of cash still held
    held_days: tuple[tuple[date, int, int], ...] = ()  # per payment day, oldest first: (day, cash, receipts)

    def held_until(self, until: date) -> tuple[int, int]:
        """The cash and number of receipts still held that were paid on or before `until`: what a
        hand-over "up to" that day covers (`record_handover` with `until`)."""
        covered = [(cash, receipts) for day, cash, receipts in self.held_days if day <= until]
        return sum(cash for cash, _n in covered), sum(n for _cash, n in covered)


_COLLECTED = """
SELECT coalesce(sum(CASE WHEN v.id IS NULL THEN p.amount ELSE 0 END), 0)
FROM payments AS p JOIN receipts AS r ON r.payment_id = p.id LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE p.created_by = ? AND p.method = 'cash'
"""


def _by_day(held: Sequence[_Held]) -> tuple[tuple[date, int, int], ...]:
    days: dict[date, tuple[int, int]] = {}
    for h in held:  # in payment-day order (_HELD)
        cash, count = days.get(h.paid_on, (0, 0))
        days[h.paid_on] = (cash + h.cash, count + 1)
    return tuple((day, cash, count) for day, (cash, count) in days.items())


def collaborators_cash(store: Store) -> list[CollaboratorCash]:
    """Every collaborator of this device (disabled ones too, while they hold cash), by name."""
    found = []
    with store.read() as connection:
        users = connection.exec_driver_sql(
            "SELECT id, username, full_name, active FROM users WHERE role = 'collaborator' ORDER BY full_name, username"
        ).all()
        for user_id, username, full_name, active in users:
            held = [h for h in _held(connection, user_id) if h.cash]
            collected = int(connection.exec_driver_sql(_COLLECTED, (user_id,)).scalar_one())
            handed = int(connection.exec_driver_sql(
                "SELECT coalesce(sum(amount), 0) FROM handovers WHERE collaborator_id = ?", (user_id,)).scalar_one())
            if not active and not held:
                continue
            found.append(CollaboratorCash(
                user_id=user_id, username=username, full_name=full_name, collected=collected, handed_over=handed,
                held=sum(h.cash for h in held), held_receipts=len(held),
                oldest_held=min((h.paid_on for h in held), default=None), held_days=_by_day(held)))
    return found
