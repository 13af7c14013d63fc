"""Readiness runs: the last reports, so a run can say what changed since the previous one.

Revision ID: 0004_readiness_runs
Revises: 0003_soa_versions
Create Date: 2026-11-23 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_readiness_runs"
down_revision: str | None = "0003_soa_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "readiness_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("view", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("report", JSON_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_runs")),
    )
    with op.batch_alter_table("readiness_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_readiness_runs_view"), ["view"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("readiness_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readiness_runs_view"))
    op.drop_table("readiness_runs")
