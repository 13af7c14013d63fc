"""Lists in id order are read from an index: ``(length(id), id)`` on every record table.

Revision ID: 0015_list_order
Revises: 0014_security_reviews
Create Date: 2026-12-05 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_list_order"
down_revision: str | None = "0014_security_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The record tables of this revision (later tables get the index when they are created).
TABLES = (
    "context_issues", "interested_parties", "aims_scopes", "people", "aims_roles", "raci_entries",
    "competence_requirements", "training_records", "communications", "documents", "document_versions",
    "ai_systems", "ai_components", "datasets", "suppliers", "supplier_assessments", "risk_methods", "risks",
    "risk_treatments", "impact_assessments", "security_reviews", "soa_entries", "soa_versions", "objectives",
    "measurements", "monitoring_plans", "changes", "incidents", "nonconformities", "corrective_actions",
    "audit_programmes", "audits", "audit_findings", "management_reviews", "review_actions", "evidence",
    "policy_exceptions",
)  # fmt: skip


def upgrade() -> None:
    from openaims.register.migrations import create_order_indexes

    create_order_indexes(op.get_bind(), TABLES)


def downgrade() -> None:
    from openaims.register.models.base import natural_order_index_name

    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS {natural_order_index_name(table)}")
