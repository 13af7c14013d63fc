"""Register schema: every record table, id counters and the history chain.

Revision ID: 0001_register
Revises: -
Create Date: 2026-11-23 10:15:21.225403
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_register"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ai_systems",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("intended_use", sa.Text(), nullable=True),
        sa.Column("foreseeable_misuse", sa.Text(), nullable=True),
        sa.Column("lifecycle_stage", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("organisation_roles", JSON_TYPE, nullable=False),
        sa.Column("risk_tier", sa.String(length=20), nullable=False),
        sa.Column("eu_ai_act", JSON_TYPE, nullable=False),
        sa.Column("human_oversight", sa.Text(), nullable=True),
        sa.Column("repositories", JSON_TYPE, nullable=False),
        sa.Column("dataset_ids", JSON_TYPE, nullable=False),
        sa.Column("supplier_ids", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_systems")),
    )
    with op.batch_alter_table("ai_systems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_systems_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_systems_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_systems_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_systems_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "aims_roles",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("responsibilities", sa.Text(), nullable=True),
        sa.Column("authorities", sa.Text(), nullable=True),
        sa.Column("holder_ids", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aims_roles")),
    )
    with op.batch_alter_table("aims_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aims_roles_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_aims_roles_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "aims_scopes",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("included_system_ids", JSON_TYPE, nullable=False),
        sa.Column("excluded_systems", JSON_TYPE, nullable=False),
        sa.Column("units", JSON_TYPE, nullable=False),
        sa.Column("locations", JSON_TYPE, nullable=False),
        sa.Column("system_roles", JSON_TYPE, nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aims_scopes")),
    )
    with op.batch_alter_table("aims_scopes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aims_scopes_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_aims_scopes_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_aims_scopes_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "audit_programmes",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("objectives", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_programmes")),
    )
    with op.batch_alter_table("audit_programmes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_programmes_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_programmes_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_programmes_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "communications",
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("timing", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=200), nullable=True),
        sa.Column("communicator", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communications")),
    )
    with op.batch_alter_table("communications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_communications_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_communications_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_communications_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "context_issues",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("effect", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_issues")),
    )
    with op.batch_alter_table("context_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_context_issues_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_context_issues_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_context_issues_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "datasets",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("collection_method", sa.Text(), nullable=True),
        sa.Column("consent_basis", sa.Text(), nullable=True),
        sa.Column("quality_checks", sa.Text(), nullable=True),
        sa.Column("known_bias", sa.Text(), nullable=True),
        sa.Column("retention", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("system_ids", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_datasets_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_datasets_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_datasets_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "documents",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("review_interval_months", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=400), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("media_type", sa.String(length=120), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("record_ids", JSON_TYPE, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "history_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_history_events")),
    )
    with op.batch_alter_table("history_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_history_events_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_history_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_history_events_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_history_events_record_type"), ["record_type"], unique=False)

    op.create_table(
        "history_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_head")),
    )
    op.create_table(
        "id_counters",
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_id_counters")),
    )
    op.create_table(
        "interested_parties",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("requirements", JSON_TYPE, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interested_parties")),
    )
    with op.batch_alter_table("interested_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interested_parties_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_interested_parties_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_interested_parties_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "management_reviews",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("chair", sa.String(length=200), nullable=True),
        sa.Column("attendees", JSON_TYPE, nullable=False),
        sa.Column("inputs", JSON_TYPE, nullable=False),
        sa.Column("decisions", JSON_TYPE, nullable=False),
        sa.Column("actions", JSON_TYPE, nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_reviews")),
    )
    with op.batch_alter_table("management_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_management_reviews_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_management_reviews_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_management_reviews_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_management_reviews_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "nonconformities",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=40), nullable=True),
        sa.Column("clause_ref", sa.String(length=40), nullable=True),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformities")),
    )
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nonconformities_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_nonconformities_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_nonconformities_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_nonconformities_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "objectives",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metric", sa.String(length=200), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("system_ids", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
    )
    with op.batch_alter_table("objectives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objectives_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_objectives_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_objectives_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "people",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("username", name=op.f("uq_people_username")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "raci_entries",
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("responsible", JSON_TYPE, nullable=False),
        sa.Column("accountable", sa.String(length=200), nullable=False),
        sa.Column("consulted", JSON_TYPE, nullable=False),
        sa.Column("informed", JSON_TYPE, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raci_entries")),
    )
    with op.batch_alter_table("raci_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_raci_entries_process"), ["process"], unique=False)
        batch_op.create_index(batch_op.f("ix_raci_entries_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_raci_entries_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "risk_methods",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("likelihood_levels", JSON_TYPE, nullable=False),
        sa.Column("impact_levels", JSON_TYPE, nullable=False),
        sa.Column("rating_levels", JSON_TYPE, nullable=False),
        sa.Column("matrix", JSON_TYPE, nullable=False),
        sa.Column("appetite", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_methods")),
    )
    with op.batch_alter_table("risk_methods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_methods_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_methods_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_methods_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "soa_entries",
        sa.Column("control_id", sa.String(length=40), nullable=False),
        sa.Column("applicable", sa.Boolean(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("treatment_ids", JSON_TYPE, nullable=False),
        sa.Column("evidence_ids", JSON_TYPE, nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_soa_entries")),
    )
    with op.batch_alter_table("soa_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_soa_entries_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_soa_entries_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_soa_entries_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "suppliers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("services", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("criticality", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
    )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppliers_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_suppliers_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_suppliers_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "ai_components",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("ecosystem", sa.String(length=40), nullable=True),
        sa.Column("provider", sa.String(length=80), nullable=True),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("repository", sa.String(length=400), nullable=False),
        sa.Column("system_id", sa.String(length=40), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disappeared", sa.Boolean(), nullable=False),
        sa.Column("details", JSON_TYPE, nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
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
            name=op.f("fk_ai_components_system_id_ai_systems"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_components")),
        sa.UniqueConstraint("repository", "fingerprint", name=op.f("uq_ai_components_repository")),
    )
    with op.batch_alter_table("ai_components", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_components_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_components_provider"), ["provider"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_components_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_components_system_id"), ["system_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_components_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "audits",
        sa.Column("programme_id", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("processes", JSON_TYPE, nullable=False),
        sa.Column("clauses", JSON_TYPE, nullable=False),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.Column("auditor", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["audit_programmes.id"],
            name=op.f("fk_audits_programme_id_audit_programmes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audits_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_performed_on"), ["performed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "changes",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("system_id", sa.String(length=40), nullable=True),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("impact_analysis", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("implemented_on", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
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
            name=op.f("fk_changes_system_id_ai_systems"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_system_id"), ["system_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "competence_requirements",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("role_id", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("evidence_required", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["aims_roles.id"],
            name=op.f("fk_competence_requirements_role_id_aims_roles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_requirements")),
    )
    with op.batch_alter_table("competence_requirements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_competence_requirements_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_competence_requirements_role_id"), ["role_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_competence_requirements_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_competence_requirements_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "corrective_actions",
        sa.Column("nonconformity_id", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("effective", sa.Boolean(), nullable=True),
        sa.Column("verification_notes", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_corrective_actions_nonconformity_id_nonconformities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrective_actions_due_date"), ["due_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_nonconformity_id"), ["nonconformity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_corrective_actions_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_corrective_actions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_corrective_actions_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "document_versions",
        sa.Column("document_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_versions_document_id_documents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint("document_id", "number", name=op.f("uq_document_versions_document_id")),
    )
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_versions_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_versions_next_review"), ["next_review"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_versions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_versions_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "impact_assessments",
        sa.Column("system_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("affected_groups", JSON_TYPE, nullable=False),
        sa.Column("vulnerable_groups", JSON_TYPE, nullable=False),
        sa.Column("areas", JSON_TYPE, nullable=False),
        sa.Column("mitigations", sa.Text(), nullable=True),
        sa.Column("assessor", sa.String(length=200), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("reassessment_triggers", JSON_TYPE, nullable=False),
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
            name=op.f("fk_impact_assessments_system_id_ai_systems"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_assessments")),
    )
    with op.batch_alter_table("impact_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_impact_assessments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_impact_assessments_system_id"), ["system_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_impact_assessments_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detected_by", sa.String(length=200), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("system_ids", JSON_TYPE, nullable=False),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("communications", sa.Text(), nullable=True),
        sa.Column("post_incident_review", sa.Text(), nullable=True),
        sa.Column("nonconformity_id", sa.String(length=40), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_incidents_nonconformity_id_nonconformities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_nonconformity_id"), ["nonconformity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_severity"), ["severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "measurements",
        sa.Column("objective_id", sa.String(length=40), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_measurements_objective_id_objectives"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measurements_measured_on"), ["measured_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_measurements_objective_id"), ["objective_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_measurements_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_measurements_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "risks",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("system_ids", JSON_TYPE, nullable=False),
        sa.Column("method_id", sa.String(length=40), nullable=True),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=True),
        sa.Column("inherent_impact", sa.Integer(), nullable=True),
        sa.Column("inherent_rating", sa.String(length=40), nullable=True),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("residual_rating", sa.String(length=40), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["risk_methods.id"],
            name=op.f("fk_risks_method_id_risk_methods"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
    )
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risks_inherent_rating"), ["inherent_rating"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_method_id"), ["method_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_residual_rating"), ["residual_rating"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "supplier_assessments",
        sa.Column("supplier_id", sa.String(length=40), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("assessor", sa.String(length=200), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_assessments_supplier_id_suppliers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_assessments")),
    )
    with op.batch_alter_table("supplier_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_assessments_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supplier_assessments_supplier_id"), ["supplier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supplier_assessments_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "training_records",
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("requirement_ids", JSON_TYPE, nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_training_records_person_id_people"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_records_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_records_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_records_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "audit_findings",
        sa.Column("audit_id", sa.String(length=40), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("clause_ref", sa.String(length=40), nullable=True),
        sa.Column("control_ref", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("nonconformity_id", sa.String(length=40), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_audit_findings_audit_id_audits"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_audit_findings_nonconformity_id_nonconformities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
    )
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_findings_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_findings_grade"), ["grade"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_findings_nonconformity_id"), ["nonconformity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_findings_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_findings_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_findings_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "risk_treatments",
        sa.Column("risk_id", sa.String(length=40), nullable=False),
        sa.Column("option", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("control_ids", JSON_TYPE, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risks.id"], name=op.f("fk_risk_treatments_risk_id_risks"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_treatments")),
    )
    with op.batch_alter_table("risk_treatments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_treatments_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_treatments_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_treatments_risk_id"), ["risk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_treatments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_treatments_updated_at"), ["updated_at"], unique=False)

    op.bulk_insert(
        sa.table(
            "history_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.Integer),
            sa.column("hash", sa.String),
        ),
        [{"id": 1, "seq": 0, "hash": "0" * 64}],
    )


def downgrade() -> None:
    with op.batch_alter_table("risk_treatments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_treatments_updated_at"))
        batch_op.drop_index(batch_op.f("ix_risk_treatments_status"))
        batch_op.drop_index(batch_op.f("ix_risk_treatments_risk_id"))
        batch_op.drop_index(batch_op.f("ix_risk_treatments_owner"))
        batch_op.drop_index(batch_op.f("ix_risk_treatments_due_date"))

    op.drop_table("risk_treatments")
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_findings_updated_at"))
        batch_op.drop_index(batch_op.f("ix_audit_findings_status"))
        batch_op.drop_index(batch_op.f("ix_audit_findings_owner"))
        batch_op.drop_index(batch_op.f("ix_audit_findings_nonconformity_id"))
        batch_op.drop_index(batch_op.f("ix_audit_findings_grade"))
        batch_op.drop_index(batch_op.f("ix_audit_findings_audit_id"))

    op.drop_table("audit_findings")
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_records_updated_at"))
        batch_op.drop_index(batch_op.f("ix_training_records_status"))
        batch_op.drop_index(batch_op.f("ix_training_records_person_id"))

    op.drop_table("training_records")
    with op.batch_alter_table("supplier_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_assessments_updated_at"))
        batch_op.drop_index(batch_op.f("ix_supplier_assessments_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_assessments_status"))

    op.drop_table("supplier_assessments")
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risks_updated_at"))
        batch_op.drop_index(batch_op.f("ix_risks_status"))
        batch_op.drop_index(batch_op.f("ix_risks_residual_rating"))
        batch_op.drop_index(batch_op.f("ix_risks_owner"))
        batch_op.drop_index(batch_op.f("ix_risks_method_id"))
        batch_op.drop_index(batch_op.f("ix_risks_inherent_rating"))

    op.drop_table("risks")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurements_updated_at"))
        batch_op.drop_index(batch_op.f("ix_measurements_status"))
        batch_op.drop_index(batch_op.f("ix_measurements_objective_id"))
        batch_op.drop_index(batch_op.f("ix_measurements_measured_on"))

    op.drop_table("measurements")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_updated_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_severity"))
        batch_op.drop_index(batch_op.f("ix_incidents_owner"))
        batch_op.drop_index(batch_op.f("ix_incidents_nonconformity_id"))

    op.drop_table("incidents")
    with op.batch_alter_table("impact_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_impact_assessments_updated_at"))
        batch_op.drop_index(batch_op.f("ix_impact_assessments_system_id"))
        batch_op.drop_index(batch_op.f("ix_impact_assessments_status"))

    op.drop_table("impact_assessments")
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_versions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_document_versions_status"))
        batch_op.drop_index(batch_op.f("ix_document_versions_next_review"))
        batch_op.drop_index(batch_op.f("ix_document_versions_document_id"))

    op.drop_table("document_versions")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_actions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_status"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_owner"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_nonconformity_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_due_date"))

    op.drop_table("corrective_actions")
    with op.batch_alter_table("competence_requirements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competence_requirements_updated_at"))
        batch_op.drop_index(batch_op.f("ix_competence_requirements_status"))
        batch_op.drop_index(batch_op.f("ix_competence_requirements_role_id"))
        batch_op.drop_index(batch_op.f("ix_competence_requirements_owner"))

    op.drop_table("competence_requirements")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_updated_at"))
        batch_op.drop_index(batch_op.f("ix_changes_system_id"))
        batch_op.drop_index(batch_op.f("ix_changes_status"))
        batch_op.drop_index(batch_op.f("ix_changes_owner"))

    op.drop_table("changes")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audits_updated_at"))
        batch_op.drop_index(batch_op.f("ix_audits_status"))
        batch_op.drop_index(batch_op.f("ix_audits_programme_id"))
        batch_op.drop_index(batch_op.f("ix_audits_performed_on"))
        batch_op.drop_index(batch_op.f("ix_audits_owner"))

    op.drop_table("audits")
    with op.batch_alter_table("ai_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_components_updated_at"))
        batch_op.drop_index(batch_op.f("ix_ai_components_system_id"))
        batch_op.drop_index(batch_op.f("ix_ai_components_status"))
        batch_op.drop_index(batch_op.f("ix_ai_components_provider"))
        batch_op.drop_index(batch_op.f("ix_ai_components_kind"))

    op.drop_table("ai_components")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppliers_updated_at"))
        batch_op.drop_index(batch_op.f("ix_suppliers_status"))
        batch_op.drop_index(batch_op.f("ix_suppliers_owner"))

    op.drop_table("suppliers")
    with op.batch_alter_table("soa_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_soa_entries_updated_at"))
        batch_op.drop_index(batch_op.f("ix_soa_entries_status"))
        batch_op.drop_index(batch_op.f("ix_soa_entries_owner"))

    op.drop_table("soa_entries")
    with op.batch_alter_table("risk_methods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_methods_updated_at"))
        batch_op.drop_index(batch_op.f("ix_risk_methods_status"))
        batch_op.drop_index(batch_op.f("ix_risk_methods_owner"))

    op.drop_table("risk_methods")
    with op.batch_alter_table("raci_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raci_entries_updated_at"))
        batch_op.drop_index(batch_op.f("ix_raci_entries_status"))
        batch_op.drop_index(batch_op.f("ix_raci_entries_process"))

    op.drop_table("raci_entries")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_updated_at"))
        batch_op.drop_index(batch_op.f("ix_people_status"))

    op.drop_table("people")
    with op.batch_alter_table("objectives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objectives_updated_at"))
        batch_op.drop_index(batch_op.f("ix_objectives_status"))
        batch_op.drop_index(batch_op.f("ix_objectives_owner"))

    op.drop_table("objectives")
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformities_updated_at"))
        batch_op.drop_index(batch_op.f("ix_nonconformities_status"))
        batch_op.drop_index(batch_op.f("ix_nonconformities_owner"))
        batch_op.drop_index(batch_op.f("ix_nonconformities_due_date"))

    op.drop_table("nonconformities")
    with op.batch_alter_table("management_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_management_reviews_updated_at"))
        batch_op.drop_index(batch_op.f("ix_management_reviews_status"))
        batch_op.drop_index(batch_op.f("ix_management_reviews_owner"))
        batch_op.drop_index(batch_op.f("ix_management_reviews_held_on"))

    op.drop_table("management_reviews")
    with op.batch_alter_table("interested_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interested_parties_updated_at"))
        batch_op.drop_index(batch_op.f("ix_interested_parties_status"))
        batch_op.drop_index(batch_op.f("ix_interested_parties_owner"))

    op.drop_table("interested_parties")
    op.drop_table("id_counters")
    op.drop_table("history_head")
    with op.batch_alter_table("history_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_events_record_type"))
        batch_op.drop_index(batch_op.f("ix_history_events_record_id"))
        batch_op.drop_index(batch_op.f("ix_history_events_at"))
        batch_op.drop_index(batch_op.f("ix_history_events_actor"))

    op.drop_table("history_events")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_updated_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_status"))
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_owner"))

    op.drop_table("evidence")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_updated_at"))
        batch_op.drop_index(batch_op.f("ix_documents_status"))
        batch_op.drop_index(batch_op.f("ix_documents_owner"))

    op.drop_table("documents")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datasets_updated_at"))
        batch_op.drop_index(batch_op.f("ix_datasets_status"))
        batch_op.drop_index(batch_op.f("ix_datasets_owner"))

    op.drop_table("datasets")
    with op.batch_alter_table("context_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_context_issues_updated_at"))
        batch_op.drop_index(batch_op.f("ix_context_issues_status"))
        batch_op.drop_index(batch_op.f("ix_context_issues_owner"))

    op.drop_table("context_issues")
    with op.batch_alter_table("communications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_communications_updated_at"))
        batch_op.drop_index(batch_op.f("ix_communications_status"))
        batch_op.drop_index(batch_op.f("ix_communications_owner"))

    op.drop_table("communications")
    with op.batch_alter_table("audit_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_programmes_updated_at"))
        batch_op.drop_index(batch_op.f("ix_audit_programmes_status"))
        batch_op.drop_index(batch_op.f("ix_audit_programmes_owner"))

    op.drop_table("audit_programmes")
    with op.batch_alter_table("aims_scopes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aims_scopes_updated_at"))
        batch_op.drop_index(batch_op.f("ix_aims_scopes_status"))
        batch_op.drop_index(batch_op.f("ix_aims_scopes_owner"))

    op.drop_table("aims_scopes")
    with op.batch_alter_table("aims_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aims_roles_updated_at"))
        batch_op.drop_index(batch_op.f("ix_aims_roles_status"))

    op.drop_table("aims_roles")
    with op.batch_alter_table("ai_systems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_systems_updated_at"))
        batch_op.drop_index(batch_op.f("ix_ai_systems_status"))
        batch_op.drop_index(batch_op.f("ix_ai_systems_owner"))
        batch_op.drop_index(batch_op.f("ix_ai_systems_name"))

    op.drop_table("ai_systems")
