"""People registered in the window: relationship to the head, the corrections audit, a date-of-birth index.

`person_corrections` keeps every correction of a person's details (who, when, field, before, after)
and refuses UPDATE and DELETE by trigger; `people.date_of_birth` gets an index so that the duplicate
check reads the few people born on a day instead of scanning a million.

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "person_corrections are append-only: correct the person again instead"
TRIGGERS = tuple(
    f"CREATE TRIGGER person_corrections_no_{verb.lower()} BEFORE {verb} ON person_corrections "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of a million-row table, no FTS trigger to rebuild).
    op.add_column("people", sa.Column("relationship", sa.Text(), nullable=True))
    op.create_index(op.f("ix_people_date_of_birth"), "people", ["date_of_birth"], unique=False)
    op.create_table(
        "person_corrections",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("household_id", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_person_corrections_household_id_households")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_corrections_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_corrections")),
    )
    op.create_index(
        op.f("ix_person_corrections_person_id_created_at"), "person_corrections", ["person_id", "created_at"]
    )
    op.create_index(op.f("ix_person_corrections_household_id"), "person_corrections", ["household_id"])
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER person_corrections_no_{verb}")
    op.drop_index(op.f("ix_person_corrections_household_id"), table_name="person_corrections")
    op.drop_index(op.f("ix_person_corrections_person_id_created_at"), table_name="person_corrections")
    op.drop_table("person_corrections")
    op.drop_index(op.f("ix_people_date_of_birth"), table_name="people")
    # ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch copy would drop people's FTS triggers.
    op.drop_column("people", "relationship")
