"""AI security reviews: a threat model per AI system with decisions, review items and red-team results.

Revision ID: 0014_security_reviews
Revises: 0013_review_inputs_and_actions
Create Date: 2026-12-05 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_security_reviews"
down_revision: str | None = "0013_review_inputs_and_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "security_reviews",
        sa.Column("system_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("system_owner", sa.String(length=200), nullable=True),
        sa.Column("answers", JSON_TYPE, nullable=False),
        sa.Column("threats", JSON_TYPE, nullable=False),
        sa.Column("items", JSON_TYPE, nullable=False),
        sa.Column("results", JSON_TYPE, nullable=False),
        sa.Column("basis", JSON_TYPE, nullable=False),
        sa.Column("catalogue_versions", JSON_TYPE, nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["ai_systems.id"],
            name=op.f("fk_security_reviews_system_id_ai_systems"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_reviews")),
    )
    with op.batch_alter_table("security_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_reviews_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_reviews_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_reviews_system_id"), ["system_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_reviews_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("security_reviews")
