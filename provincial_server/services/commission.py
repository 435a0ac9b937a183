"""The month's commission statement of each collection point of the province, from the accepted payments
whose receipts were not voided, with the devices' own domain function and the newest published policy
table's dated rates (collector_app.domain.commission)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from collector_app.domain.commission import CommissionItem, CommissionStatement, commission_statement
from collector_app.domain.contributions import add_months
from collector_app.domain.policy import PolicyTable, newest
from provincial_server.store.unit_of_work import UnitOfWork


class NoPolicyTable(Exception):
    """No policy table has been published: there are no rates to compute with."""


@dataclass(frozen=True)
class PointCommission:
    point_code: str
    statement: CommissionStatement


def monthly_commission(uow: UnitOfWork, month: date, *, point_code: str | None = None) -> list[PointCommission]:
    """One statement per point that took payments in `month` (only `point_code`'s when given).

    A participant is new when this is the first payment of the scheme for their person key (citizen
    ID) held by the server, from any point, ordered by payment day then receipt number."""
    first = month.replace(day=1)
    last = add_months(first, 1) - timedelta(days=1)
    with uow:
        versions = uow.feed.policy_versions()
        documents = [uow.feed.policy_document(version) for version in versions]
        tables = [PolicyTable.from_mapping(json.loads(text)) for text in documents if text is not None]
        if not tables:
            raise NoPolicyTable()
        table = newest(tables)
        standing = uow.commission.standing_payments(first, last, point_code)
        people = uow.commission.people_of([p.payment_id for p in standing])
        amounts = uow.commission.item_amounts([p.record_id for p in standing])
        earliest = uow.commission.earliest_payments(sorted({key for _, _, key in people}))
    by_payment: dict[str, list[tuple[int, str]]] = {}
    for payment_id, position, key in people:
        by_payment.setdefault(payment_id, []).append((position, key))
    items: dict[str, list[CommissionItem]] = {}
    for payment in standing:
        shares = amounts.get(payment.record_id, [])
        for position, key in sorted(by_payment.get(payment.payment_id, [])):
            new = earliest.get((key, payment.scheme)) == (payment.paid_on, payment.receipt_number)
            items.setdefault(payment.point_code, []).append(
                CommissionItem(payment.scheme, payment.paid_on, shares[position], new))
    if not items:  # nothing to round, and the month may lie beyond the table
        return []
    rounding = table.in_force(first).rounding
    return [
        PointCommission(code, commission_statement(point_items, rates_on=lambda day: table.in_force(day).commission_rates,
                                                   rounding=rounding))
        for code, point_items in sorted(items.items())
    ]
