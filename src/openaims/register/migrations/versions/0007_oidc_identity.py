"""OpenID Connect identities are (issuer, subject) pairs.

A subject is unique only within its issuer: the account records the issuer beside the
subject, and the pair, not the subject alone, is unique.

Revision ID: 0007_oidc_identity
Revises: 0006_org_scans
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_oidc_identity"
down_revision: str | None = "0006_org_scans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_accounts_oidc_subject"), type_="unique")
        batch_op.create_unique_constraint("uq_accounts_oidc_identity", ["oidc_issuer", "oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_accounts_oidc_identity", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_accounts_oidc_subject"), ["oidc_subject"])
        batch_op.drop_column("oidc_issuer")
