"""What a round's member is renewed from, carried to the collaborator's device: the state-supported months
used so far and the support group and income of a voluntary SI cover (`ends_on`, kept already, is the end of
the period paid or of the card). A collaborator's laptop holds none of the point's payments: without them it
priced a renewal as a first payment and the provincial server refused it (support history, card history).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD COLUMN (not a batch copy of the table): the table's append-only triggers stay as they are. Rounds
# made before carry none (NULL): their members are priced from what the device holds, as before.
COLUMNS = (("supported_months", sa.Integer()), ("support_group", sa.Text()), ("monthly_income", sa.Integer()))


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("round_members", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _kind in COLUMNS:  # SQLite's own DROP COLUMN (3.35+): no rebuild, the triggers stay
        op.execute(f"ALTER TABLE round_members DROP COLUMN {name}")
