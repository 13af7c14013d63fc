"""Approved versions of the Statement of Applicability.

Revision ID: 0003_soa_versions
Revises: 0002_accounts
Create Date: 2026-11-23 11:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_soa_versions"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "soa_versions",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("rows", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_soa_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_soa_versions_number")),
    )
    with op.batch_alter_table("soa_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_soa_versions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_soa_versions_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("soa_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_soa_versions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_soa_versions_status"))
    op.drop_table("soa_versions")
