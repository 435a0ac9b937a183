"""Each collection point's commune (since July 2025 a province has communes only): supervisors filter by it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("points", sa.Column("commune_code", sa.String(5)))


def downgrade() -> None:
    with op.batch_alter_table('points') as batch:
        batch.drop_column('commune_code')
