"""The signed-in user's day, as the Today page shows it: payments, the cash that should be in the drawer,
voids, people due to pay again soon, and the records the server or a supervisor rejected.

Reads only (no command: nothing here changes the store). Sums are SQL queries (`store.day`,
`store.due`); the rejected records are `services.sync.needing_attention`, with its way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from collector_app.domain.due import DUE_SOON_DAYS, due_window
from collector_app.domain.enrolments import Scheme
from collector_app.domain.money import Vnd
from collector_app.domain.payments import PaymentMethod
from collector_app.services.sync import AttentionRecord, needing_attention
from collector_app.store.day import DayPayments, day_payments, day_voids
from collector_app.store.db import Store
from collector_app.store.due import DueRow, count_due, list_due

DUE_LIST_LIMIT = 1000
"""The due list shows this many people at most, soonest first (the count says how many there are)."""


@dataclass(frozen=True)
class Figures:
    """How many receipts, and the money they brought (VND)."""

    count: int = 0
    amount: Vnd = 0


@dataclass(frozen=True)
class DayVoid:
    """A void made during the day, of one of the user's receipts or by the user."""

    receipt_number: str
    paid_on: date
    scheme: str  # "vsi" | "family_hi"
    method: str  # "cash" | "transfer"
    amount: Vnd
    payer_name: str
    reason: str  # as last corrected
    voided_at: str  # UTC ISO 8601
    voided_by: str  # the user's full name
    same_day: bool  # a receipt of the user's day: it is out of the day's figures (and, if cash, the drawer)


@dataclass(frozen=True)
class DaySummary:
    """One user's day. `payments`, `by_scheme` and `by_method` count the receipts dated that day that
    were not voided the same day; `voided` counts those that were."""

    on: date
    user_id: str
    payments: Figures
    by_scheme: tuple[tuple[Scheme, Figures], ...]  # every scheme, in a fixed order
    by_method: tuple[tuple[PaymentMethod, Figures], ...]  # every method, in a fixed order
    voided: Figures
    cash_in_drawer: Vnd
    voids: tuple[DayVoid, ...]
    due_soon: int  # people whose cover ends between `on` and `due_until`
    due_until: date
    attention: tuple[AttentionRecord, ...]  # rejected by the server or a supervisor, oldest first


def day_bounds(on: date, zone: tzinfo | None = None) -> tuple[str, str]:
    """The day `on` in `zone` (None: this computer's) as a span of UTC timestamps [since, until), in the
    store's form (`stamps.utc_now`), so that text comparison orders them."""
    if zone is None:
        start = datetime.combine(on, time.min).astimezone()  # local midnight, with the local offset
        end = datetime.combine(on + timedelta(days=1), time.min).astimezone()
    else:
        start = datetime.combine(on, time.min, tzinfo=zone)
        end = datetime.combine(on + timedelta(days=1), time.min, tzinfo=zone)
    return (start.astimezone(UTC).isoformat(timespec="microseconds"),
            end.astimezone(UTC).isoformat(timespec="microseconds"))


def day_summary(store: Store, *, user_id: str, on: date, zone: tzinfo | None = None) -> DaySummary:
    """The day `on` of the user `user_id`, the day's voids taken in `zone` (None: this computer's time zone).

    The cash that should be in the drawer, as a cashier closing the day counts it: the cash the user
    took in payments dated `on`, less the cash of those of them voided the same day (by the end of
    `on`): the payer got that money back, or paid again on a new receipt, which counts on its own.
    A void made today of a receipt of an earlier day does not touch today's drawer: its money was in
    that day's drawer and was handed over with it; it is listed among the voids, marked so, for the
    point to settle with the social insurance office. A void made after the day does not change the
    day's figures either: what a day says, once over, stays as it was at its close.
    """
    since, until = day_bounds(on, zone)
    lines = day_payments(store, user_id=user_id, on=on, until=until)

    def kept(rows: list[tuple[int, int]]) -> Figures:
        return Figures(count=sum(count for count, _ in rows), amount=sum(amount for _, amount in rows))

    def standing(line: DayPayments) -> tuple[int, int]:  # receipts of the day not voided that day
        return line.count - line.voided, line.amount - line.voided_amount

    by_scheme = tuple((scheme, kept([standing(line) for line in lines if line.scheme == scheme.value]))
                      for scheme in Scheme)
    by_method = tuple((method, kept([standing(line) for line in lines if line.method == method.value]))
                      for method in PaymentMethod)
    voids = tuple(
        DayVoid(receipt_number=row.receipt_number, paid_on=row.paid_on, scheme=row.scheme, method=row.method,
                amount=row.amount, payer_name=row.payer_name, reason=row.reason, voided_at=row.voided_at,
                voided_by=row.voided_by_name, same_day=row.paid_on == on and row.paid_by == user_id)
        for row in day_voids(store, user_id=user_id, since=since, until=until))
    first, last = due_window(on)
    return DaySummary(
        on=on, user_id=user_id, payments=kept([standing(line) for line in lines]), by_scheme=by_scheme, by_method=by_method,
        voided=kept([(line.voided, line.voided_amount) for line in lines]),
        cash_in_drawer=dict(by_method)[PaymentMethod.CASH].amount,
        voids=voids, due_soon=count_due(store, first=first, last=last), due_until=last,
        attention=tuple(needing_attention(store)),
    )


@dataclass(frozen=True)
class DueList:
    """People due soon, seen on `on`: `rows` the soonest `len(rows)` of `total`."""

    on: date
    until: date
    total: int
    rows: tuple[DueRow, ...]


def due_people(store: Store, *, on: date, limit: int = DUE_LIST_LIMIT) -> DueList:
    """People whose cover (voluntary SI paid through, a family HI card) ends within `DUE_SOON_DAYS` days of `on`."""
    first, last = due_window(on)
    return DueList(on=on, until=last, total=count_due(store, first=first, last=last),
                   rows=tuple(list_due(store, first=first, last=last, limit=limit)))


__all__ = ["DUE_LIST_LIMIT", "DUE_SOON_DAYS", "DayVoid", "DaySummary", "DueList", "Figures", "day_bounds",
           "day_summary", "due_people"]
