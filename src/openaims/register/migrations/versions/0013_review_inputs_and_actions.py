"""Management reviews keep the inputs compiled from the register; review actions are records.

Revision ID: 0013_review_inputs_and_actions
Revises: 0012_impact_staleness
Create Date: 2026-12-05 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_review_inputs_and_actions"
down_revision: str | None = "0012_impact_staleness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("management_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compiled_inputs", JSON_TYPE, nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "review_actions",
        sa.Column("review_id", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["management_reviews.id"],
            name=op.f("fk_review_actions_review_id_management_reviews"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_actions")),
    )
    with op.batch_alter_table("review_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_actions_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_actions_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_actions_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_actions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_actions_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("review_actions")
    with op.batch_alter_table("management_reviews", schema=None) as batch_op:
        batch_op.drop_column("prepared_at")
        batch_op.drop_column("compiled_inputs")
