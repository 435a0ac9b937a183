"""The due list read from `enrolment_cover` alone: what it counts, prices, filters and orders by, beside each cover.

At 1,000,000 people the due list is about 184,000 covers in 132,000 households; reading them through
four look-ups each (enrolment, item, person, household) took 13 s. Kept here, its totals are one
GROUP BY over the covers in the window and its households one walk of an index in the list's order
(folded address, household code, id), both without leaving this table (benchmarks/field.py).

The households' folded address (`domain.text.fold`, which SQL cannot compute) is a column of its
own, written with the address by the store's writers (registration, corrections, recovery). The
cover's copies are kept by triggers: money events recompute as before (0016), now with the copied
columns; an update of what is copied (an enrolment, a person, a household) recomputes its covers.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from collector_app.domain.text import fold

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = (
    ("person_id", "e.person_id"), ("household_id", "p.household_id"), ("scheme", "e.scheme"),
    ("status", "e.status"), ("last_months", "i.months"),
    ("monthly_income", "coalesce(i.monthly_income, e.monthly_income)"), ("support_group", "e.support_group"),
    ("member_rank", "coalesce(i.member_rank, p.member_order)"), ("province_code", "h.province_code"),
    ("address_folded", "h.address_folded"), ("household_code", "h.household_code"),
    ("name_folded", "p.name_folded"),
    # Integers to count people and households by, a great deal faster than their text ids: the
    # person's search_rowid (never renumbered), the household's least one (its first member's).
    ("person_key", "p.search_rowid"),
    ("household_key", "(SELECT min(m.search_rowid) FROM people AS m WHERE m.household_id = p.household_id)"),
)
# The list's order, with what the filters test: a page of households is found in this index alone.
ORDER = ("address_folded", "household_code", "household_id", "paid_through", "scheme", "last_months", "status",
         "name_folded")
# The covers in a window with what prices, filters and counts them: the figures read this index alone.
TOTALS = ("paid_through", "scheme", "last_months", "monthly_income", "support_group", "supported_months",
          "province_code", "member_rank", "status", "person_key", "household_key", "address_folded", "household_code",
          "name_folded")
_TYPES = {name: sa.Integer() for name in ("last_months", "monthly_income", "member_rank", "person_key", "household_key")}

# The enrolments whose cover one event touches: {touched} is a SELECT of enrolment ids.
_RECOMPUTE = """
DELETE FROM enrolment_cover WHERE enrolment_id IN ({touched});
INSERT INTO enrolment_cover (enrolment_id, item_id, paid_through, supported_months, %(columns)s)
SELECT l.enrolment_id, l.item_id, l.paid_through, l.supported_months, %(values)s
FROM (
  SELECT t.enrolment_id,
         (SELECT li.id FROM payment_items AS li JOIN receipts AS lr ON lr.payment_id = li.payment_id
          WHERE li.enrolment_id = t.enrolment_id
            AND NOT EXISTS (SELECT 1 FROM voids AS lv WHERE lv.receipt_id = lr.id)
          ORDER BY li.period_end DESC, li.id DESC LIMIT 1) AS item_id,
         (SELECT max(li.period_end) FROM payment_items AS li JOIN receipts AS lr ON lr.payment_id = li.payment_id
          WHERE li.enrolment_id = t.enrolment_id
            AND NOT EXISTS (SELECT 1 FROM voids AS lv WHERE lv.receipt_id = lr.id)) AS paid_through,
         (SELECT coalesce(sum(li.supported_months), 0) FROM payment_items AS li
          JOIN receipts AS lr ON lr.payment_id = li.payment_id
          WHERE li.enrolment_id = t.enrolment_id
            AND NOT EXISTS (SELECT 1 FROM voids AS lv WHERE lv.receipt_id = lr.id)) AS supported_months
  FROM (SELECT DISTINCT enrolment_id FROM payment_items WHERE enrolment_id IN ({touched})) AS t
) AS l
JOIN payment_items AS i ON i.id = l.item_id
JOIN enrolments AS e ON e.id = l.enrolment_id
JOIN people AS p ON p.id = e.person_id
JOIN households AS h ON h.id = p.household_id
WHERE l.paid_through IS NOT NULL;
""" % {"columns": ", ".join(name for name, _ in COPIED), "values": ", ".join(value for _, value in COPIED)}
_OF_PAYMENT = "SELECT enrolment_id FROM payment_items WHERE payment_id = {payment}"
_OF_RECEIPT = _OF_PAYMENT.format(payment="(SELECT payment_id FROM receipts WHERE id = {receipt})")

MONEY_TRIGGERS = {  # 0016's, recreated with the copied columns
    "enrolment_cover_on_receipt": ("AFTER INSERT ON receipts", _OF_PAYMENT.format(payment="NEW.payment_id")),
    "enrolment_cover_on_item": ("AFTER INSERT ON payment_items", "SELECT NEW.enrolment_id"),
    "enrolment_cover_on_void": ("AFTER INSERT ON voids", _OF_RECEIPT.format(receipt="NEW.receipt_id")),
    "enrolment_cover_on_unvoid": ("AFTER DELETE ON voids", _OF_RECEIPT.format(receipt="OLD.receipt_id")),
}
COPY_TRIGGERS = {
    "enrolment_cover_on_enrolment": (
        "AFTER UPDATE OF person_id, scheme, status, support_group, monthly_income ON enrolments",
        "SELECT NEW.id"),
    "enrolment_cover_on_person": (
        "AFTER UPDATE OF household_id, member_order, name_folded ON people",
        "SELECT id FROM enrolments WHERE person_id = NEW.id"),
    "enrolment_cover_on_household": (
        "AFTER UPDATE OF address_folded, household_code, province_code ON households",
        "SELECT e.id FROM enrolments AS e JOIN people AS p ON p.id = e.person_id WHERE p.household_id = NEW.id"),
}


def index_name(columns: Sequence[str]) -> str:
    return "ix_enrolment_cover_" + "_".join(columns)  # the schema's naming convention


def upgrade() -> None:
    op.add_column("households", sa.Column("address_folded", sa.Text(), nullable=True))
    connection = op.get_bind()
    folded: dict[str, str] = {}  # a village's households share an address
    rows = [(folded.get(address) or folded.setdefault(address, fold(address)), household_id)
            for household_id, address in connection.exec_driver_sql("SELECT id, address FROM households")]
    if rows:
        connection.exec_driver_sql("UPDATE households SET address_folded = ? WHERE id = ?", rows)
    for name, _ in COPIED:
        op.add_column("enrolment_cover", sa.Column(name, _TYPES.get(name, sa.Text()), nullable=True))
    for name in MONEY_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    # Every cover again, with its copies: one pass, as 0016 filled it.
    op.execute("DELETE FROM enrolment_cover")
    op.execute(_RECOMPUTE.format(touched="SELECT id FROM enrolments").split(";", 1)[1])
    for name, (event, touched) in {**MONEY_TRIGGERS, **COPY_TRIGGERS}.items():
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {_RECOMPUTE.format(touched=touched)} END")
    op.create_index(op.f("ix_enrolment_cover_household_id"), "enrolment_cover", ["household_id"], unique=False)
    for columns in (ORDER, TOTALS):
        op.create_index(op.f(index_name(columns)), "enrolment_cover", list(columns), unique=False)


def downgrade() -> None:
    for name in (*MONEY_TRIGGERS, *COPY_TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for columns in (ORDER, TOTALS):
        op.drop_index(op.f(index_name(columns)), table_name="enrolment_cover")
    op.drop_index(op.f("ix_enrolment_cover_household_id"), table_name="enrolment_cover")
    with op.batch_alter_table("enrolment_cover") as batch:
        for name, _ in COPIED:
            batch.drop_column(name)
    with op.batch_alter_table("households") as batch:
        batch.drop_column("address_folded")
    # 0016's triggers, without the copies.
    from importlib import import_module

    before = import_module("collector_app.store.migrations.versions.0016_enrolment_cover")
    for name, event in before.TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {before._RECOMPUTE.format(touched=before._TOUCHED[name])} END")
