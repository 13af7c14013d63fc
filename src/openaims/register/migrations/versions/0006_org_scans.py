"""Organisation scans: sources, repositories, runs and jobs; check results and violations over time;
exceptions to organisation policy rules.

Revision ID: 0006_org_scans
Revises: 0005_sign_in_security
Create Date: 2026-12-04 19:56:21.796741
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_org_scans"
down_revision: str | None = "0005_sign_in_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repository", sa.String(length=400), nullable=False),
        sa.Column("commit", sa.String(length=64), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("policy_version", sa.String(length=40), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("counts", JSON_TYPE, nullable=False),
        sa.Column("violations", JSON_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
        sa.UniqueConstraint("job_id", name=op.f("uq_check_results_job_id")),
    )
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_results_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_results_repository"), ["repository"], unique=False)

    op.create_table(
        "org_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("api_url", sa.String(length=400), nullable=True),
        sa.Column("token_env", sa.String(length=100), nullable=True),
        sa.Column("urls", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_org_sources_name")),
    )
    op.create_table(
        "policy_exceptions",
        sa.Column("match", sa.String(length=400), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=True),
        sa.Column("paths", JSON_TYPE, nullable=False),
        sa.Column("repositories", JSON_TYPE, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_exceptions")),
    )
    with op.batch_alter_table("policy_exceptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_exceptions_expires"), ["expires"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_exceptions_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_exceptions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_exceptions_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "policy_violations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repository", sa.String(length=400), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("excepted_by", sa.String(length=200), nullable=True),
        sa.Column("exception_expires", sa.Date(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remediated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_violations")),
        sa.UniqueConstraint("repository", "fingerprint", name=op.f("uq_policy_violations_repository")),
    )
    with op.batch_alter_table("policy_violations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_violations_repository"), ["repository"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_violations_rule"), ["rule"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_violations_status"), ["status"], unique=False)

    op.create_table(
        "org_repositories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("clone_url", sa.Text(), nullable=False),
        sa.Column("default_branch", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_scanned_commit", sa.String(length=64), nullable=True),
        sa.Column("last_scanned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("failing", sa.Integer(), nullable=False),
        sa.Column("scan_state", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["org_sources.id"],
            name=op.f("fk_org_repositories_source_id_org_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_repositories")),
        sa.UniqueConstraint("source_id", "name", name=op.f("uq_org_repositories_source_id")),
    )
    with op.batch_alter_table("org_repositories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_repositories_last_outcome"), ["last_outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_repositories_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_repositories_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_repositories_state"), ["state"], unique=False)

    op.create_table(
        "org_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["org_sources.id"], name=op.f("fk_org_runs_source_id_org_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_runs")),
    )
    with op.batch_alter_table("org_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_runs_source_id"), ["source_id"], unique=False)

    op.create_table(
        "org_jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("commit", sa.String(length=64), nullable=True),
        sa.Column("incremental", sa.Boolean(), nullable=True),
        sa.Column("files_scanned", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["org_repositories.id"],
            name=op.f("fk_org_jobs_repository_id_org_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["org_runs.id"], name=op.f("fk_org_jobs_run_id_org_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_jobs")),
    )
    with op.batch_alter_table("org_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_jobs_repository_id"), ["repository_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_jobs_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_jobs_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("org_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_jobs_state"))
        batch_op.drop_index(batch_op.f("ix_org_jobs_run_id"))
        batch_op.drop_index(batch_op.f("ix_org_jobs_repository_id"))

    op.drop_table("org_jobs")
    with op.batch_alter_table("org_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_runs_source_id"))

    op.drop_table("org_runs")
    with op.batch_alter_table("org_repositories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_repositories_state"))
        batch_op.drop_index(batch_op.f("ix_org_repositories_source_id"))
        batch_op.drop_index(batch_op.f("ix_org_repositories_name"))
        batch_op.drop_index(batch_op.f("ix_org_repositories_last_outcome"))

    op.drop_table("org_repositories")
    with op.batch_alter_table("policy_violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_violations_status"))
        batch_op.drop_index(batch_op.f("ix_policy_violations_rule"))
        batch_op.drop_index(batch_op.f("ix_policy_violations_repository"))

    op.drop_table("policy_violations")
    with op.batch_alter_table("policy_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_exceptions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_policy_exceptions_status"))
        batch_op.drop_index(batch_op.f("ix_policy_exceptions_owner"))
        batch_op.drop_index(batch_op.f("ix_policy_exceptions_expires"))

    op.drop_table("policy_exceptions")
    op.drop_table("org_sources")
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_results_repository"))
        batch_op.drop_index(batch_op.f("ix_check_results_recorded_at"))

    op.drop_table("check_results")
