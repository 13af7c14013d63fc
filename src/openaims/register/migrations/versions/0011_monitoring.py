"""Monitoring of AI systems in operation: plans (records) and their results.

Revision ID: 0011_monitoring
Revises: 0010_gates_and_playbooks
Create Date: 2026-12-05 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_monitoring"
down_revision: str | None = "0010_gates_and_playbooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "monitoring_plans",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("system_id", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("schedule", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("notify", JSON_TYPE, nullable=False),
        sa.Column("columns", JSON_TYPE, nullable=False),
        sa.Column("metrics", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["ai_systems.id"], name=op.f("fk_monitoring_plans_system_id_ai_systems"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_plans")),
    )
    with op.batch_alter_table("monitoring_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_plans_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_plans_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_plans_system_id"), ["system_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_plans_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "monitoring_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("system_id", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("feature", sa.String(length=200), nullable=True),
        sa.Column("group", sa.String(length=200), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("batch", sa.Text(), nullable=True),
        sa.Column("details", JSON_TYPE, nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["monitoring_plans.id"], name=op.f("fk_monitoring_results_plan_id_monitoring_plans"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["ai_systems.id"], name=op.f("fk_monitoring_results_system_id_ai_systems"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_monitoring_results_incident_id_incidents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_results")),
    )
    with op.batch_alter_table("monitoring_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_results_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitoring_results_level"), ["level"], unique=False)
        batch_op.create_index("ix_monitoring_results_series", ["plan_id", "metric", "at"], unique=False)
        batch_op.create_index("ix_monitoring_results_system_at", ["system_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("monitoring_results")
    op.drop_table("monitoring_plans")
