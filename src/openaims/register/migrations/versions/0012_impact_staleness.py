"""Impact assessments note why they became stale (the re-assessment triggers that fired).

Revision ID: 0012_impact_staleness
Revises: 0011_monitoring
Create Date: 2026-12-05 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_impact_staleness"
down_revision: str | None = "0011_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("impact_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stale_reasons", JSON_TYPE, nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("impact_assessments", schema=None) as batch_op:
        batch_op.drop_column("stale_reasons")
