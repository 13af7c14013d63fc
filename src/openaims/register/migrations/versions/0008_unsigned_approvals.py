"""Approvals typed in before approvals were signed become ``approve-unsigned`` history events.

Every record whose approval was typed in (an approver and date in its fields, or a status that
only an approval reaches) and that has no approval event gets one, appended to the chain with
the record as it stands (before = after, so each record still matches its last event). Its actor
is the upgrade, never the typed name: the record shows the typed approval marked "recorded before
approvals were signed", so nothing is lost and nothing is attributed to someone who did not sign.

Revision ID: 0008_unsigned_approvals
Revises: 0007_oidc_identity
Create Date: 2026-12-05 06:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy.orm import Session

revision: str = "0008_unsigned_approvals"
down_revision: str | None = "0007_oidc_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from openaims.register.approvals import record_unsigned_approvals

    session = Session(bind=op.get_bind())
    record_unsigned_approvals(session)
    session.flush()
    session.commit()


def downgrade() -> None:
    """The events stay: a hash chain is never cut (older code shows them as any other event)."""
