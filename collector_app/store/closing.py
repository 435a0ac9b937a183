"""Day closings in the store: the closing written with its audit entry and outbox row, and the guard
that keeps a closed day as it was closed.

A day is closed per collector on this device: the cash a user took (`store.day`: the receipts dated
that day, net of the day's voids of them) is the cash in that user's drawer, whoever else takes money
on the same device. The figures are read in the transaction that writes the closing, under the write
lock, so no payment slips in between the count and the record. Afterwards the guard
(`refuse_closed_payment`, `refuse_closed_void`) runs inside the payment's or void's own transaction:
a payment dated a closed day of its collector, or a void that would change a closed day, is refused,
even from a second process or after a crash between reading and writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from collector_app.domain.closing import CashCount, Closing, DayFigures, close
from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.store.audit import chain_money
from collector_app.store.day import DayPayments, payments_on
from collector_app.store.db import Store
from collector_app.store.device import Device
from collector_app.store.stamps import new_id, utc_now
from collector_app.store.users import User
from collector_app.wire import ChainKind, DayClosePayload

OUTBOX_DAY_CLOSE = "day_close"  # wire.RecordKind.DAY_CLOSE
_CASH, _TRANSFER = "cash", "transfer"

_INSERT = (
    "INSERT INTO day_closings (id, closed_on, day_start, day_end, expected_cash, counted_cash, difference, "
    "transfers, counts, reason, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_OUTBOX = ("INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_COLUMNS = ("c.id, c.closed_on, c.day_start, c.day_end, c.expected_cash, c.counted_cash, c.difference, "
            "c.transfers, c.counts, c.reason, c.created_at, c.created_by, coalesce(u.full_name, c.created_by)")
_FIND = (f"SELECT {_COLUMNS} FROM day_closings AS c LEFT JOIN users AS u ON u.id = c.created_by "
         "WHERE c.created_by = ? AND c.closed_on = ?")


@dataclass(frozen=True)
class ClosingRow:
    closing_id: str
    closed_on: date
    day_start: str  # UTC ISO: the day's span, as closed
    day_end: str
    expected_cash: int  # VND
    counted_cash: int
    difference: int  # counted - expected
    transfers: int
    counts: dict[int, int]  # notes by denomination
    reason: str
    closed_at: str  # UTC ISO
    user_id: str
    user_name: str  # full name (the id if the user is unknown here)


def _row(row: tuple[object, ...]) -> ClosingRow:
    counts = json.loads(str(row[8]))
    return ClosingRow(closing_id=str(row[0]), closed_on=date.fromisoformat(str(row[1])), day_start=str(row[2]),
                      day_end=str(row[3]), expected_cash=int(str(row[4])), counted_cash=int(str(row[5])),
                      difference=int(str(row[6])), transfers=int(str(row[7])),
                      counts={int(value): int(notes) for value, notes in counts.items()}, reason=str(row[9]),
                      closed_at=str(row[10]), user_id=str(row[11]), user_name=str(row[12]))


def figures_of(lines: list[DayPayments], handovers: int) -> DayFigures:
    """The cash a day's receipts put in the drawer (less those voided that day: the payer got it back),
    with the cash collaborators handed over, and the transfers, which never pass through it."""
    def kept(method: str) -> int:
        return sum(line.amount - line.voided_amount for line in lines if line.method == method)
    return DayFigures(expected_cash=kept(_CASH) + handovers, transfers=kept(_TRANSFER), handovers=handovers)


def _figures(connection: Connection, *, user_id: str, on: date, since: str, until: str) -> DayFigures:
    handed = int(connection.exec_driver_sql(
        "SELECT coalesce(sum(amount), 0) FROM handovers WHERE created_by = ? AND created_at >= ? AND created_at < ?",
        (user_id, since, until)).scalar_one())
    return figures_of(payments_on(connection, user_id=user_id, on=on, until=until), handed)


def day_figures(store: Store, *, user_id: str, on: date, since: str, until: str) -> DayFigures:
    """What the user's day `on` ([since, until) in UTC) says now: receipts, voids and hand-overs received."""
    with store.read() as connection:
        return _figures(connection, user_id=user_id, on=on, since=since, until=until)


def record_closing(store: Store, *, on: date, since: str, until: str, count: CashCount, reason: str | None,
                   actor: User, device: Device) -> tuple[Closing, ClosingRow]:
    """Close `actor`'s day `on` ([since, until) as UTC instants): the figures read and the closing written,
    chained in the audit log and queued for the server, in one transaction.

    DomainError: a user who takes no payments, the day closed already, a difference without a reason.
    """
    problems = check_allowed(actor.role, Action.RECORD_PAYMENT, user=actor.username)
    if problems:
        raise DomainError(problems)
    with store.begin() as connection:
        earlier = connection.exec_driver_sql(_FIND, (actor.user_id, on.isoformat())).first()
        if earlier is not None:
            raise DomainError(Problem(ProblemCode.DAY_ALREADY_CLOSED, {
                "user": actor.full_name, "date": on, "amount": int(earlier[5])}))
        closing = close(_figures(connection, user_id=actor.user_id, on=on, since=since, until=until), count, reason)
        now = utc_now()
        closing_id = new_id()
        counts = json.dumps(closing.count.as_dict(), separators=(",", ":"), sort_keys=True)
        connection.exec_driver_sql(_INSERT, (
            closing_id, on.isoformat(), since, until, closing.expected_cash, closing.counted_cash,
            closing.difference, closing.figures.transfers, counts, closing.reason, now, actor.user_id,
            device.device_id))
        chain_money(connection, ChainKind.DAY_CLOSE, closing_id, created_at=now, created_by=actor.user_id,
                    device_id=device.device_id)
        payload = DayClosePayload(
            id=closing_id, closed_on=on.isoformat(), day_start=since, day_end=until, collector=actor.username,
            expected_cash=closing.expected_cash, counted_cash=closing.counted_cash, difference=closing.difference,
            transfers=closing.figures.transfers, counts=closing.count.as_dict(), reason=closing.reason, closed_at=now,
            device_id=device.device_id)
        connection.exec_driver_sql(_OUTBOX, (new_id(), OUTBOX_DAY_CLOSE, closing_id, json.dumps(
            payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True), now, now, actor.user_id,
            device.device_id))
        row = _row(tuple(connection.exec_driver_sql(_FIND, (actor.user_id, on.isoformat())).one()))
    return closing, row


def find_closing(store: Store, *, user_id: str, on: date) -> ClosingRow | None:
    """The user's closing of `on`, if the day is closed."""
    with store.read() as connection:
        row = connection.exec_driver_sql(_FIND, (user_id, on.isoformat())).first()
    return None if row is None else _row(tuple(row))


# ---- the guard ---------------------------------------------------------------------------------

_CLOSED_FOR_PAYMENT = (
    "SELECT c.closed_on, coalesce(u.full_name, c.created_by) FROM day_closings AS c "
    "LEFT JOIN users AS u ON u.id = c.created_by WHERE c.created_by = ? AND c.closed_on = ?"
)
# A void made at :now is refused when it falls in a day its maker closed (it would be listed in that
# day's report), or when its receipt's day is closed and the void falls before that day's end (it
# would take the receipt out of the cash counted).
_CLOSED_FOR_VOID = """
SELECT c.closed_on, coalesce(u.full_name, c.created_by)
FROM day_closings AS c
LEFT JOIN users AS u ON u.id = c.created_by
WHERE (c.created_by = :voider AND c.day_start <= :now AND :now < c.day_end)
   OR EXISTS (SELECT 1 FROM receipts AS r JOIN payments AS p ON p.id = r.payment_id
              WHERE r.id = :receipt AND p.created_by = c.created_by AND p.paid_on = c.closed_on
                AND :now < c.day_end)
LIMIT 1
"""


def refuse_closed_payment(connection: Connection, *, user_id: str, paid_on: date) -> None:
    """DAY_CLOSED when `user_id` has closed `paid_on` (in the payment's own transaction)."""
    row = connection.exec_driver_sql(_CLOSED_FOR_PAYMENT, (user_id, paid_on.isoformat())).first()
    if row is not None:
        raise DomainError(Problem(ProblemCode.DAY_CLOSED, {"date": date.fromisoformat(row[0]), "user": row[1]}))


def refuse_closed_handover(connection: Connection, *, receiver: str, now: str) -> None:
    """DAY_CLOSED when the receiver of a hand-over at `now` has closed that day: the cash would come
    into a drawer already counted."""
    row = connection.exec_driver_sql(
        "SELECT c.closed_on, coalesce(u.full_name, c.created_by) FROM day_closings AS c "
        "LEFT JOIN users AS u ON u.id = c.created_by WHERE c.created_by = ? AND c.day_start <= ? AND ? < c.day_end",
        (receiver, now, now)).first()
    if row is not None:
        raise DomainError(Problem(ProblemCode.DAY_CLOSED, {"date": date.fromisoformat(row[0]), "user": row[1]}))


def refuse_closed_void(connection: Connection, *, voider: str, receipt_id: str, now: str) -> None:
    """DAY_CLOSED when a void of `receipt_id` made at `now` by `voider` would change a closed day."""
    row = connection.exec_driver_sql(_CLOSED_FOR_VOID, {"voider": voider, "receipt": receipt_id, "now": now}).first()
    if row is not None:
        raise DomainError(Problem(ProblemCode.DAY_CLOSED, {"date": date.fromisoformat(row[0]), "user": row[1]}))
