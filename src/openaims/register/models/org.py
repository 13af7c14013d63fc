"""Organisation scans: sources of repositories, the repositories, scan runs and their jobs.

These tables are operational state (what was listed, queued, fetched and scanned), not
records people edit; changes people make (a source added, a repository that appeared,
was archived or deleted) are also written to the history. Tokens are never stored: a
source keeps the *name* of the environment variable that holds its token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Base, JSONType, UTCDateTime


class OrgSource(Base):
    """Where repositories come from: a GitHub organisation or user, a GitLab group, a list of
    git URLs, or a directory of checkouts."""

    __tablename__ = "org_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: How people name it: ``github:acme``, ``gitlab:platform/ml``, ``dir:checkouts``, ``urls:team``.
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The organisation, user, group path, directory or list name.
    location: Mapped[str] = mapped_column(Text, nullable=False)
    api_url: Mapped[str | None] = mapped_column(String(400), nullable=True)
    #: Name of the environment variable holding the API token (never the token).
    token_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: The git URLs of a URL-list source.
    urls: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    last_synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: One line: why the last sync failed (None: it worked).
    last_sync_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class OrgRepository(Base):
    """One repository of a source, its state at the source and what its last scan found."""

    __tablename__ = "org_repositories"
    __table_args__ = (UniqueConstraint("source_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_sources.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: ``acme/api`` (GitHub), ``platform/ml/api`` (GitLab), a directory name, a URL's path: the
    #: repository's name in the register (components, check results).
    name: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    #: Where it is fetched from (no credentials), or the checkout's directory.
    clone_url: Mapped[str] = mapped_column(Text, nullable=False)
    default_branch: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: ``active``, ``archived`` or ``deleted`` (no longer listed by its source).
    state: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    discovered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    state_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_scanned_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_scanned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: ``ok``, ``failed`` or None (never scanned).
    last_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    findings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    violations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failing: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The last scan's findings by path, so the next scan reads only what changed since.
    scan_state: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class OrgRun(Base):
    """One ``aims org scan``: which repositories it queued and how."""

    __tablename__ = "org_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
    #: ``all`` (every repository, scanned whole) or ``changed`` (what moved since its last scan).
    mode: Mapped[str] = mapped_column(String(20), nullable=False)
    #: ``local`` (in-process pool) or ``celery`` (queued for workers).
    engine: Mapped[str] = mapped_column(String(20), nullable=False)
    source_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_sources.id", ondelete="CASCADE"), nullable=True, index=True
    )
    jobs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class OrgJob(Base):
    """One repository to scan in one run. The job's id is the queue message's id, so a job
    delivered again (its worker died) is the same job, and its result is written once."""

    __tablename__ = "org_jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    repository_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_repositories.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: ``queued``, ``running``, ``done``, ``unchanged`` or ``failed``.
    state: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    full: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    incremental: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    files_scanned: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: One line: why the job failed.
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CheckResult(Base):
    """The policy check of one repository at one commit: from an organisation scan job or
    pushed by CI (``aims check --push``)."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: ``org-scan`` or ``ci``.
    origin: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The organisation scan job that wrote it: unique, so a job writes one result however often it runs.
    job_id: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    #: The organisation policy version it was judged by (``DOCV-3``), None without one.
    policy_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    failed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    findings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Counts by violation status (failing, warning, excepted...).
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    #: The violations: rule, severity, status, subject, path, line, fingerprint, origin, message.
    violations: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)


class PolicyViolation(Base):
    """A violation as it lives across checks of its repository: first seen, last seen and,
    once a check no longer finds it, when it was remediated."""

    __tablename__ = "policy_violations"
    __table_args__ = (UniqueConstraint("repository", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    fingerprint: Mapped[str] = mapped_column(String(128), nullable=False)
    rule: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    subject: Mapped[str] = mapped_column(String(400), nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    #: ``organisation`` or ``repository``: whose rule it breaks.
    origin: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The status in the latest check (failing, warning, excepted...), or ``remediated``.
    status: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    #: What excepts it: a policy exception record (``PEX-2``) or ``aims-policy.yaml``.
    excepted_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    exception_expires: Mapped[dt.date | None] = mapped_column(nullable=True)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    remediated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
