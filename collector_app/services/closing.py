"""Closing a collector's day: the cash counted against the day's receipts, and the day's report; and the
collaborators' hand-overs of the cash they took.

A day is closed by the user whose cash it is, on the device that recorded the receipts (`store.closing`
says why per collector). The figures are the store's, read in the closing's own transaction; the day
is the local day (`services.today.day_bounds`), as the Today page shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from collector_app.domain.closing import DENOMINATIONS, CashCount
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.formatting import format_time
from collector_app.receipts.day_report import DayReportCount, DayReportDocument, DayReportReceipt, render_day_report
from collector_app.services.changes import Change, Changes
from collector_app.services.device import device_of
from collector_app.services.today import day_bounds, day_summary
from collector_app.store.closing import ClosingRow, day_figures, find_closing, record_closing
from collector_app.store.day import day_receipts
from collector_app.store.db import Store
from collector_app.store.handovers import CollaboratorCash
from collector_app.store.handovers import collaborators_cash as stored_collaborators_cash
from collector_app.store.handovers import record_handover as store_handover
from collector_app.store.users import User, any_user_by_username


@dataclass(frozen=True)
class ClosedDay:
    """A day just closed: what `day close` prints (VND)."""

    on: date
    expected_cash: int
    counted_cash: int
    difference: int  # counted - expected: negative when cash is missing
    transfers: int
    reason: str
    closing_id: str

    @property
    def changes(self) -> Changes:
        return frozenset({Change.RECEIPTS, Change.OUTBOX})


@dataclass(frozen=True)
class DayToClose:
    """What the day's receipts say before the count, for the closing form; `closed` once it is closed."""

    on: date
    expected_cash: int
    transfers: int
    closed: ClosingRow | None


def day_to_close(store: Store, *, actor: User, on: date, zone: tzinfo | None = None) -> DayToClose:
    """The user's day `on` as it stands: the cash its receipts put in the drawer, and its closing if any."""
    since, until = day_bounds(on, zone)
    figures = day_figures(store, user_id=actor.user_id, on=on, since=since, until=until)
    return DayToClose(on=on, expected_cash=figures.expected_cash, transfers=figures.transfers,
                      closed=find_closing(store, user_id=actor.user_id, on=on))


def close_day(store: Store, *, actor: User, on: date, today: date, count: CashCount, reason: str | None,
              zone: tzinfo | None = None) -> ClosedDay:
    """Close the user's day `on` with the cash counted; DomainError when `on` is after `today`, already
    closed, or differs from the receipts without a reason. After it, nothing dated `on` can be recorded
    by this user (`store.closing`)."""
    if on > today:
        raise DomainError(Problem(ProblemCode.DAY_IN_FUTURE, {"date": on}))
    since, until = day_bounds(on, zone)
    closing, row = record_closing(store, on=on, since=since, until=until, count=count, reason=reason, actor=actor,
                                  device=device_of(store))
    return ClosedDay(on=on, expected_cash=closing.expected_cash, counted_cash=closing.counted_cash,
                     difference=closing.difference, transfers=closing.figures.transfers, reason=closing.reason,
                     closing_id=row.closing_id)


def day_report(store: Store, *, actor: User, on: date, zone: tzinfo | None = None) -> DayReportDocument:
    """The user's day `on` as its report prints it: receipts, totals, and the count if the day is closed."""
    since, until = day_bounds(on, zone)
    summary = day_summary(store, user_id=actor.user_id, on=on, zone=zone)
    closing = find_closing(store, user_id=actor.user_id, on=on)
    figures = day_figures(store, user_id=actor.user_id, on=on, since=since, until=until)
    device = device_of(store)
    count = None if closing is None else DayReportCount(
        notes=tuple((value, closing.counts.get(value, 0)) for value in DENOMINATIONS),
        expected_cash=closing.expected_cash, counted_cash=closing.counted_cash, difference=closing.difference,
        reason=closing.reason, closed_at=format_time(datetime.fromisoformat(closing.closed_at)))
    return DayReportDocument(
        on=on, organisation=device.organisation, point_name=device.point_name, point_code=device.point_code,
        device_code=device.device_code, collector_name=actor.full_name,
        receipts=tuple(DayReportReceipt(receipt_number=r.receipt_number, payer_name=r.payer_name, scheme=r.scheme,
                                        method=r.method, amount=r.amount, voided=r.voided)
                       for r in day_receipts(store, user_id=actor.user_id, on=on, until=until)),
        by_scheme=tuple((scheme.value, figures_.count, figures_.amount) for scheme, figures_ in summary.by_scheme),
        by_method=tuple((method.value, figures_.count, figures_.amount) for method, figures_ in summary.by_method),
        total=(summary.payments.count, summary.payments.amount),
        voided=(summary.voided.count, summary.voided.amount),
        # As closed when it is (the closing's own figures), as the receipts say now otherwise.
        expected_cash=figures.expected_cash if closing is None else closing.expected_cash,
        transfers=figures.transfers if closing is None else closing.transfers,
        handovers=figures.handovers,
        count=count,
    )


def day_report_pdf(store: Store, *, actor: User, on: date, zone: tzinfo | None = None) -> bytes:
    """`day_report` rendered as an A4 PDF."""
    return render_day_report(day_report(store, actor=actor, on=on, zone=zone))


# ---- collaborators' hand-overs -------------------------------------------------------------------


@dataclass(frozen=True)
class HandedOver:
    """A hand-over just recorded: what `handover record` prints (VND)."""

    collaborator: str
    receipt_numbers: tuple[str, ...]
    expected: int
    amount: int
    difference: int
    reason: str
    received_at: str

    @property
    def changes(self) -> Changes:
        return frozenset({Change.RECEIPTS, Change.OUTBOX})


def record_handover(store: Store, *, collaborator: str, receipts: Sequence[str] | None, until: date | None,
                    amount: int | None, reason: str | None, actor: User) -> HandedOver:
    """Record that the collaborator `collaborator` (username) handed cash to `actor` for the receipts
    given, or for all they hold paid on or before `until` (every receipt they hold when both are None)."""
    user = any_user_by_username(store, collaborator)
    if user is None:
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": collaborator}))
    numbers = None if receipts is None else [parse_receipt_number(text) for text in receipts]
    recorded = store_handover(store, collaborator=user, receipts=numbers, until=until, amount=amount, reason=reason,
                              actor=actor, device=device_of(store))
    handover = recorded.handover
    return HandedOver(collaborator=recorded.collaborator, receipt_numbers=recorded.receipt_numbers,
                      expected=handover.expected, amount=handover.amount, difference=handover.difference,
                      reason=handover.reason, received_at=recorded.received_at)


def collaborators_cash(store: Store) -> list[CollaboratorCash]:
    """Per collaborator: cash collected, handed over, still held and since when (`store.handovers`)."""
    return stored_collaborators_cash(store)
