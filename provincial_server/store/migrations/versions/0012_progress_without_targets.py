"""Stored progress figures no longer depend on the targets: a question holds them against the targets it
reads (`domain.progress.with_targets`), so a plan imported moves no figure to compute again.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('progress_figures') as batch:
        batch.drop_column('targets_stamp')


def downgrade() -> None:
    # Figures kept before the downgrade carry no stamp: an empty one differs from any point's with targets, so
    # the older server computes those again when asked.
    with op.batch_alter_table('progress_figures') as batch:
        batch.add_column(sa.Column('targets_stamp', sa.Text(), nullable=False, server_default=''))
