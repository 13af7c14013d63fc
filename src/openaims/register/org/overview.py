"""What people look at: each source's repositories with their last scan, findings,
violations and failures (``aims org status`` and the source pages)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openaims.register.models.org import OrgRepository, OrgSource
from openaims.register.org.runs import RunStatus


@dataclass(frozen=True, slots=True)
class RepositoryView:
    id: int
    name: str
    state: str
    clone_url: str
    commit: str | None
    scanned_at: dt.datetime | None
    outcome: str | None
    findings: int
    violations: int
    failing: int
    error: str | None
    failed_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "state": self.state, "last_scanned_commit": self.commit,
            "last_scanned_at": self.scanned_at.isoformat() if self.scanned_at else None, "outcome": self.outcome,
            "findings": self.findings, "violations": self.violations, "failing": self.failing, "error": self.error,
            "failed_at": self.failed_at.isoformat() if self.failed_at else None,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class SourceView:
    id: int
    name: str
    kind: str
    location: str
    last_synced_at: dt.datetime | None
    last_sync_error: str | None
    repositories: list[RepositoryView] = field(default_factory=list)

    @property
    def active(self) -> int:
        return sum(1 for r in self.repositories if r.state == "active")

    @property
    def scanned(self) -> int:
        return sum(1 for r in self.repositories if r.scanned_at is not None)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.repositories if r.outcome == "failed")

    @property
    def failing_repositories(self) -> int:
        return sum(1 for r in self.repositories if r.failing)

    @property
    def findings(self) -> int:
        return sum(r.findings for r in self.repositories)

    @property
    def violations(self) -> int:
        return sum(r.violations for r in self.repositories)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "location": self.location,
            "last_synced_at": self.last_synced_at.isoformat() if self.last_synced_at else None,
            "last_sync_error": self.last_sync_error, "active": self.active, "scanned": self.scanned,
            "failed": self.failed, "failing_policy": self.failing_repositories,
            "repositories": [r.to_json() for r in self.repositories],
        }  # fmt: skip


def _repo(row: OrgRepository) -> RepositoryView:
    return RepositoryView(
        id=row.id, name=row.name, state=row.state, clone_url=row.clone_url, commit=row.last_scanned_commit,
        scanned_at=row.last_scanned_at, outcome=row.last_outcome, findings=row.findings, violations=row.violations,
        failing=row.failing, error=row.last_error if row.last_outcome == "failed" else None,
        failed_at=row.last_failed_at,
    )  # fmt: skip


def sources(session: Session, *, source_id: int | None = None) -> list[SourceView]:
    """Every source (or one) with its repositories: failed first, then failing the policy, then by name."""
    query = select(OrgSource).order_by(OrgSource.id)
    if source_id is not None:
        query = query.where(OrgSource.id == source_id)
    out = []
    for source in session.execute(query).scalars():
        rows = session.execute(select(OrgRepository).where(OrgRepository.source_id == source.id)).scalars()
        repos = sorted(
            (_repo(r) for r in rows),
            key=lambda r: (r.state != "active", r.outcome != "failed", -r.failing, r.name),
        )
        out.append(SourceView(source.id, source.name, source.kind, source.location, source.last_synced_at,
                              source.last_sync_error, repos))  # fmt: skip
    return out


def run_json(status: RunStatus | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {
        "run": status.run_id, "mode": status.mode, "engine": status.engine, "started_at": status.started_at.isoformat(),
        "started_by": status.started_by, "total": status.total, "states": status.states, "finished": status.finished,
        "finished_at": status.finished_at.isoformat() if status.finished_at else None,
        "incremental": status.incremental,
        "failures": [{"repository": f.repository, "source": f.source, "reason": f.reason} for f in status.failures],
    }  # fmt: skip
