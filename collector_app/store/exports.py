"""The rows of the data exports (people, households, payments, receipts) for a date range: one named
query each, columns in a fixed order that scripts may rely on. People and households are chosen by the
day they were registered (UTC), payments and receipts by the payment day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from collector_app.domain.receipt_numbers import format_receipt_number
from collector_app.store.db import Store

BATCH = 2000  # rows fetched at a time: a million people are never all in memory

EXPORTS: dict[str, tuple[tuple[str, ...], str]] = {
    "people": (
        ("citizen_id", "si_code", "full_name", "date_of_birth", "sex", "phone", "relationship", "member_order",
         "household_code", "address", "hi_facility_code", "registered_on"),
        """SELECT pe.citizen_id, pe.si_code, pe.full_name, pe.date_of_birth, pe.sex, pe.phone, pe.relationship,
                  pe.member_order, h.household_code, h.address, pe.hi_facility_code, substr(pe.created_at, 1, 10)
           FROM people AS pe JOIN households AS h ON h.id = pe.household_id
           WHERE substr(pe.created_at, 1, 10) BETWEEN ? AND ?
           ORDER BY h.household_code, h.id, pe.member_order""",
    ),
    "households": (
        ("household_code", "address", "commune_code", "province_code", "members", "registered_on"),
        """SELECT h.household_code, h.address, h.commune_code, h.province_code,
                  (SELECT count(*) FROM people AS pe WHERE pe.household_id = h.id), substr(h.created_at, 1, 10)
           FROM households AS h
           WHERE substr(h.created_at, 1, 10) BETWEEN ? AND ?
           ORDER BY h.household_code, h.id""",
    ),
    "payments": (
        ("receipt_number", "paid_on", "scheme", "payer_name", "household_code", "participants", "gross",
         "state_support", "local_support", "amount", "method", "collector", "policy_version", "voided"),
        """SELECT r.series, r.year, r.number, p.paid_on, p.scheme, p.payer_name, h.household_code,
                  (SELECT count(*) FROM payment_items AS i WHERE i.payment_id = p.id), p.gross, p.state_support,
                  p.local_support, p.amount, p.method, coalesce(u.username, p.created_by), p.policy_version,
                  v.id IS NOT NULL
           FROM payments AS p JOIN receipts AS r ON r.payment_id = p.id
           LEFT JOIN households AS h ON h.id = p.household_id
           LEFT JOIN users AS u ON u.id = p.created_by
           LEFT JOIN voids AS v ON v.receipt_id = r.id
           WHERE p.paid_on BETWEEN ? AND ?
           ORDER BY p.paid_on, r.series, r.year, r.number""",
    ),
    "receipts": (
        ("receipt_number", "issued_on", "issued_at", "payer_name", "scheme", "amount", "method", "reprints",
         "voided", "void_reason"),
        """SELECT r.series, r.year, r.number, p.paid_on, r.issued_at, p.payer_name, p.scheme, p.amount, p.method,
                  (SELECT count(*) FROM reprints AS x WHERE x.receipt_id = r.id), v.id IS NOT NULL, v.reason
           FROM receipts AS r JOIN payments AS p ON p.id = r.payment_id
           LEFT JOIN voids AS v ON v.receipt_id = r.id
           WHERE p.paid_on BETWEEN ? AND ?
           ORDER BY p.paid_on, r.series, r.year, r.number""",
    ),
}


# Exports whose query starts with a receipt's series, year and number: written as the receipt prints it.
_RECEIPT_FIRST = frozenset({"payments", "receipts"})


def count_rows(store: Store, kind: str, *, since: date, until: date) -> int:
    _columns, sql = EXPORTS[kind]
    row = store.reader().execute(f"SELECT count(*) FROM ({sql})", (since.isoformat(), until.isoformat())).fetchone()
    return int(row[0])


def export_rows(store: Store, kind: str, *, since: date, until: date) -> Iterator[tuple[object, ...]]:
    """The rows of `kind` in the range, a batch at a time, as the store holds them (ISO dates as text)."""
    _columns, sql = EXPORTS[kind]
    cursor = store.reader().execute(sql, (since.isoformat(), until.isoformat()))
    numbered = kind in _RECEIPT_FIRST
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            yield (format_receipt_number(row[0], row[1], row[2]), *row[3:]) if numbered else tuple(row)
