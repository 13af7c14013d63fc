"""Scan runs and their jobs: one job per repository, written once however often it runs.

A job is ``queued`` when its run starts, ``running`` while a worker has it, and ends
``done`` (scanned and recorded), ``unchanged`` (nothing new since its last scan) or
``failed`` (with a one-line reason). A job that a dead worker left ``running`` is
delivered again by the queue and claimed again; :func:`finish` writes its result only
if no other delivery wrote one first, in the same transaction as the components and the
check result, so a repository gets exactly one result per job.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.discovery import sanitise
from openaims.errors import NotFoundError, PermissionDeniedError
from openaims.register.actors import Actor, Role
from openaims.register.models.base import utcnow
from openaims.register.models.org import OrgJob, OrgRepository, OrgRun, OrgSource

#: Who the history names for what scan jobs record (a CI-role service identity).
WORKER = Actor(name="org-scan", roles=frozenset({Role.CI}))
#: States a job ends in.
FINISHED = frozenset({"done", "unchanged", "failed"})


class JobGone(NotFoundError):
    """The job's run or repository was removed (its source was deleted)."""


@dataclass(frozen=True, slots=True)
class JobTicket:
    """Everything a worker needs to run a job, read when it claims it."""

    job_id: str
    run_id: int
    attempt: int
    full: bool
    repository_id: int
    repository: str
    clone_url: str
    default_branch: str | None
    source: str
    source_kind: str
    token_env: str | None
    last_scanned_commit: str | None
    scan_state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: int
    jobs: list[str]
    engine: str
    mode: str


@dataclass(frozen=True, slots=True)
class Failure:
    repository: str
    source: str
    reason: str
    at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RunStatus:
    run_id: int
    started_at: dt.datetime
    started_by: str
    mode: str
    engine: str
    total: int
    states: dict[str, int]
    failures: list[Failure] = field(default_factory=list)
    finished_at: dt.datetime | None = None
    files_scanned: int = 0
    incremental: int = 0

    @property
    def done(self) -> int:
        return sum(self.states.get(s, 0) for s in FINISHED)

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def elapsed_s(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


def start_run(
    session: Session,
    actor: Actor,
    *,
    mode: str,
    engine: str,
    repository_ids: Sequence[int],
    full: bool,
    source_id: int | None = None,
    now: dt.datetime | None = None,
) -> RunStarted:
    """Record a run and one queued job per repository (admins and AIMS managers)."""
    if not actor.is_manager:
        raise PermissionDeniedError(
            f"only an admin or AIMS manager may start an organisation scan; {actor.name} is {actor.role_label}"
        )
    moment = now or utcnow()
    run = OrgRun(started_at=moment, started_by=actor.name, mode=mode, engine=engine, source_id=source_id,
                 jobs=len(repository_ids))  # fmt: skip
    session.add(run)
    session.flush()
    ids = [uuid.uuid4().hex for _ in repository_ids]
    session.add_all(
        OrgJob(id=job_id, run_id=run.id, repository_id=repo_id, state="queued", full=full, attempts=0, queued_at=moment)
        for job_id, repo_id in zip(ids, repository_ids, strict=True)
    )
    session.flush()
    return RunStarted(run.id, ids, engine, mode)


def claim(session: Session, job_id: str, worker: str, *, now: dt.datetime | None = None) -> JobTicket | None:
    """Mark a job running on ``worker``; None when it already ended (a duplicate delivery)."""
    job = session.get(OrgJob, job_id)
    if job is None:
        raise JobGone(f"job {job_id} no longer exists (its source was removed)")
    if job.state in {"done", "unchanged"}:
        return None
    repo = session.get(OrgRepository, job.repository_id)
    source = session.get(OrgSource, repo.source_id) if repo is not None else None
    if repo is None or source is None:
        raise JobGone(f"the repository of job {job_id} no longer exists")
    job.state = "running"
    job.attempts += 1
    job.worker = worker[:200]
    job.started_at = now or utcnow()
    job.error = None
    return JobTicket(
        job_id=job.id,
        run_id=job.run_id,
        attempt=job.attempts,
        full=job.full,
        repository_id=repo.id,
        repository=repo.name,
        clone_url=repo.clone_url,
        default_branch=repo.default_branch,
        source=source.name,
        source_kind=source.kind,
        token_env=source.token_env,
        last_scanned_commit=repo.last_scanned_commit,
        scan_state=dict(repo.scan_state or {}),
    )


def finished(session: Session, job_id: str) -> bool:
    """Whether the job already has its result (locks the job row on PostgreSQL)."""
    job = session.execute(select(OrgJob).where(OrgJob.id == job_id).with_for_update()).scalar_one_or_none()
    return job is None or job.state in {"done", "unchanged"}


def finish(
    session: Session,
    job_id: str,
    *,
    outcome: str,
    commit: str | None,
    scan_state: dict[str, Any] | None,
    findings: int,
    violations: int,
    failing: int,
    incremental: bool | None,
    files_scanned: int | None,
    duration_s: float,
    now: dt.datetime | None = None,
) -> None:
    """Record a job's outcome (``done`` or ``unchanged``) and its repository's last scan."""
    moment = now or utcnow()
    job = session.get(OrgJob, job_id)
    if job is None:
        raise JobGone(f"job {job_id} no longer exists")
    repo = session.get(OrgRepository, job.repository_id)
    job.state, job.finished_at, job.commit = outcome, moment, commit
    job.incremental, job.files_scanned, job.duration_s = incremental, files_scanned, round(duration_s, 3)
    if repo is not None:
        repo.last_outcome, repo.last_error = "ok", None
        if outcome == "done":
            repo.last_scanned_commit, repo.last_scanned_at = commit, moment
            repo.findings, repo.violations, repo.failing = findings, violations, failing
            if scan_state is not None:
                repo.scan_state = scan_state


def fail(session: Session, job_id: str, reason: str, *, final: bool, now: dt.datetime | None = None) -> None:
    """Record why a job failed: ``failed`` when it will not be tried again, else back to ``queued``."""
    moment = now or utcnow()
    job = session.get(OrgJob, job_id)
    if job is None or job.state in {"done", "unchanged"}:
        return
    line = one_line(reason)
    job.error = line
    job.state = "failed" if final else "queued"
    if final:
        job.finished_at = moment
        repo = session.get(OrgRepository, job.repository_id)
        if repo is not None:
            repo.last_outcome, repo.last_error, repo.last_failed_at = "failed", line, moment


def one_line(reason: str, limit: int = 500) -> str:
    """A reason as one redacted line."""
    text = " ".join(sanitise.text(reason).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_status(session: Session, run_id: int | None = None, *, source_id: int | None = None) -> RunStatus | None:
    """The state of a run (the newest one, of a source when given)."""
    if run_id is None:
        query = select(OrgRun).order_by(OrgRun.id.desc()).limit(1)
        if source_id is not None:
            query = select(OrgRun).where(OrgRun.source_id == source_id).order_by(OrgRun.id.desc()).limit(1)
        run = session.execute(query).scalar_one_or_none()
    else:
        run = session.get(OrgRun, run_id)
    if run is None:
        return None
    states = Counter(
        {
            str(state): int(count)
            for state, count in session.execute(
                select(OrgJob.state, func.count()).where(OrgJob.run_id == run.id).group_by(OrgJob.state)
            ).all()
        }
    )
    incremental = session.execute(
        select(func.count()).select_from(OrgJob).where(OrgJob.run_id == run.id, OrgJob.incremental.is_(True))
    ).scalar_one()
    end = session.execute(select(func.max(OrgJob.finished_at)).where(OrgJob.run_id == run.id)).scalar_one()
    failed_rows = session.execute(
        select(OrgRepository.name, OrgSource.name, OrgJob.error, OrgJob.finished_at)
        .join(OrgRepository, OrgRepository.id == OrgJob.repository_id)
        .join(OrgSource, OrgSource.id == OrgRepository.source_id)
        .where(OrgJob.run_id == run.id, OrgJob.state == "failed")
        .order_by(OrgRepository.name)
    ).all()
    all_files = session.execute(select(func.sum(OrgJob.files_scanned)).where(OrgJob.run_id == run.id)).scalar_one()
    status = RunStatus(
        run_id=run.id,
        started_at=run.started_at,
        started_by=run.started_by,
        mode=run.mode,
        engine=run.engine,
        total=run.jobs,
        states=dict(states),
        failures=[Failure(repo, source, error or "failed", at) for repo, source, error, at in failed_rows],
        files_scanned=int(all_files or 0),
        incremental=int(incremental or 0),
    )
    if status.finished and end is not None:
        return replace(status, finished_at=end)
    return status


def jobs_of(session: Session, run_id: int, states: Sequence[str] | None = None) -> list[str]:
    query = select(OrgJob.id).where(OrgJob.run_id == run_id).order_by(OrgJob.queued_at, OrgJob.id)
    if states is not None:
        query = query.where(OrgJob.state.in_(list(states)))
    return list(session.execute(query).scalars())
