"""AI systems keep their decommissioning checklist and gate overrides; incidents keep the time of
awareness, the EU AI Act serious-incident kind and report time, the root cause, why no
nonconformity was raised, and the playbook steps done.

Revision ID: 0010_gates_and_playbooks
Revises: 0009_soa_titles
Create Date: 2026-12-05 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_gates_and_playbooks"
down_revision: str | None = "0009_soa_titles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _empty(value: str) -> sa.TextClause:
    if op.get_bind().dialect.name == "postgresql":
        return sa.text(f"'{value}'::jsonb")
    return sa.text(f"'{value}'")


def upgrade() -> None:
    with op.batch_alter_table("ai_systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decommissioning", JSON_TYPE, nullable=False, server_default=_empty("{}")))
        batch_op.add_column(sa.Column("gate_overrides", JSON_TYPE, nullable=False, server_default=_empty("[]")))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aware_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("serious_incident", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("authority_reported_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("root_cause", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("no_nonconformity_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("playbook_steps", JSON_TYPE, nullable=False, server_default=_empty("{}")))
    with op.batch_alter_table("ai_systems", schema=None) as batch_op:
        batch_op.alter_column("decommissioning", server_default=None)
        batch_op.alter_column("gate_overrides", server_default=None)
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column("playbook_steps", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        for name in ("playbook_steps", "no_nonconformity_reason", "root_cause", "authority_reported_at",
                     "serious_incident", "aware_at"):  # fmt: skip
            batch_op.drop_column(name)
    with op.batch_alter_table("ai_systems", schema=None) as batch_op:
        batch_op.drop_column("gate_overrides")
        batch_op.drop_column("decommissioning")
