"""Statement of Applicability rows carry their control's title (the catalogue's, for Annex A).

The rows for every Annex A control a register lacks are created through the services when
the register is opened after this revision (:mod:`openaims.register.annex_a`), so that each
has its history event.

Revision ID: 0009_soa_titles
Revises: 0008_unsigned_approvals
Create Date: 2026-12-05 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_soa_titles"
down_revision: str | None = "0008_unsigned_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from openaims.register.services.soa import annex_a_titles

    with op.batch_alter_table("soa_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=True))
    entries = sa.table("soa_entries", sa.column("control_id", sa.String), sa.column("title", sa.String))
    for control_id, title in annex_a_titles().items():
        op.execute(entries.update().where(entries.c.control_id == control_id).values(title=title))


def downgrade() -> None:
    with op.batch_alter_table("soa_entries", schema=None) as batch_op:
        batch_op.drop_column("title")
