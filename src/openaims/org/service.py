"""Organisation scans as people use them: add and sync sources, start a scan, see where it is.

The command line and the web pages call these; each takes the register's
:class:`~openaims.register.db.Database`, the acting identity and the settings.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from openaims.errors import UsageError
from openaims.org.checkout import local_tree, remote_head
from openaims.org.interface import JobError, SourceError, token_from
from openaims.org.job import JobOutcome
from openaims.org.listing import list_source
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.org import runs, sources
from openaims.register.org.sources import SourceKind, SourceOut, SyncReport
from openaims.settings import Settings


class Engine(enum.StrEnum):
    LOCAL = "local"
    CELERY = "celery"


class Mode(enum.StrEnum):
    #: Every active repository, each scanned whole.
    ALL = "all"
    #: Repositories whose commit moved since their last scan (or never scanned, or failed),
    #: each scanned from its last scanned commit where the history allows.
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Planned:
    run: runs.RunStarted
    considered: int


def add_source(
    db: Database,
    actor: Actor,
    kind: SourceKind,
    location: str,
    *,
    name: str | None = None,
    api_url: str | None = None,
    token_env: str | None = None,
    urls: Sequence[str] = (),
    sync: bool = True,
) -> tuple[SourceOut, SyncReport | None]:
    """Record a source and (unless ``sync`` is False) list its repositories now."""
    if kind is SourceKind.DIR:
        folder = Path(location).expanduser()
        if not folder.is_dir():
            raise UsageError(f"{location} is not a directory; give the folder that holds the checkouts")
        location = str(folder.resolve())
    if kind is SourceKind.URLS and not urls:
        raise UsageError("a URL list needs at least one git URL (--url URL or --urls FILE)")
    if kind in {SourceKind.DIR, SourceKind.URLS} and (api_url or token_env):
        raise UsageError("--api-url and --token-env are for GitHub and GitLab sources")
    with db.session() as session:
        source = sources.add_source(session, actor, kind, location, name=name, api_url=api_url,
                                    token_env=token_env, urls=urls)  # fmt: skip
    report = sync_source(db, actor, source.name) if sync else None
    with db.read() as session:
        return sources.source_out(session, source.name), report


def sync_source(db: Database, actor: Actor, name: str) -> SyncReport:
    """List one source and record what changed; a failure is recorded with its reason."""
    with db.read() as session:
        row = sources.find_source(session, name)
        kind, location, api_url = SourceKind(row.kind), row.location, row.api_url
        token_env, urls, source_id, label = row.token_env, list(row.urls or []), row.id, row.name
    try:
        listed = list_source(kind, location, api_url=api_url, token_env=token_env, urls=urls)
    except SourceError as exc:
        reason = runs.one_line(exc.message)
        with db.session() as session:
            sources.record_sync_failure(session, source_id, reason)
        return SyncReport(source=label, error=reason)
    with db.session() as session:
        return sources.record_listing(session, actor, source_id, listed)


def sync_all(db: Database, actor: Actor, names: Sequence[str] | None = None) -> list[SyncReport]:
    """Sync the named sources (every source when none are named); one failing source does not stop the others."""
    with db.read() as session:
        wanted = list(names) if names else [s.name for s in sources.list_sources(session)]
        for name in wanted:
            sources.find_source(session, name)
    return [sync_source(db, actor, name) for name in wanted]


def engine_for(settings: Settings, *, local: bool = False) -> Engine:
    """Celery when a broker is configured (and ``local`` is not asked for), else in-process."""
    return Engine.CELERY if settings.broker_url and not local else Engine.LOCAL


@dataclass(frozen=True, slots=True)
class _Repo:
    id: int
    source_id: int
    clone_url: str
    default_branch: str | None
    last_scanned_commit: str | None
    last_outcome: str | None


def _head(repo: _Repo, kind: str, token_env: str | None, scratch: Path) -> str | None:
    """The commit a repository is at now (None when it cannot be told: the job will say why)."""
    try:
        if kind == SourceKind.DIR.value:
            return local_tree(Path(repo.clone_url), None).commit
        return remote_head(repo.clone_url, repo.default_branch, token=token_from(token_env), kind=kind, scratch=scratch)
    except JobError:
        return None


def plan(
    db: Database,
    actor: Actor,
    settings: Settings,
    *,
    mode: Mode,
    engine: Engine,
    source: str | None = None,
) -> Planned:
    """Start a run: one queued job per repository to scan."""
    with db.read() as session:
        source_id = sources.find_source(session, source).id if source else None
        repos = [
            _Repo(r.id, r.source_id, r.clone_url, r.default_branch, r.last_scanned_commit, r.last_outcome)
            for r in sources.repositories(session, source_id=source_id)
        ]
        kinds = {s.id: (s.kind, s.token_env) for s in sources.list_sources(session)}
    if not repos:
        where = f"source {source!r}" if source else "any source"
        raise UsageError(
            f"{where} lists no active repositories; add one with 'aims org source add' or run 'aims org sync'"
        )
    chosen = repos
    if mode is Mode.CHANGED:
        scratch = settings.org_cache_folder() / ".ls-remote"

        def moved(repo: _Repo) -> bool:
            if repo.last_scanned_commit is None or repo.last_outcome != "ok":
                return True
            kind, token_env = kinds[repo.source_id]
            return _head(repo, kind, token_env, scratch) != repo.last_scanned_commit

        with ThreadPoolExecutor(max_workers=min(16, max(1, len(repos)))) as pool:
            flags = list(pool.map(moved, repos))
        chosen = [repo for repo, flag in zip(repos, flags, strict=True) if flag]
    if not chosen:
        return Planned(runs.RunStarted(0, [], engine.value, mode.value), len(repos))
    with db.session() as session:
        started = runs.start_run(session, actor, mode=mode.value, engine=engine.value, source_id=source_id,
                                 repository_ids=[r.id for r in chosen], full=mode is Mode.ALL)  # fmt: skip
    return Planned(started, len(repos))


def execute(
    settings: Settings,
    planned: Planned,
    *,
    workers: int | None = None,
    report: Callable[[JobOutcome], None] | None = None,
) -> list[JobOutcome]:
    """Run a planned run's jobs in-process, or queue them for the workers (then nothing is returned)."""
    jobs = planned.run.jobs
    if planned.run.engine == Engine.CELERY.value:
        from openaims.org.queue import enqueue

        enqueue(settings, jobs)
        return []
    from openaims.org.pool import run_local

    count = workers or settings.org_workers or os.cpu_count() or 1
    return run_local(jobs, settings, workers=min(count, max(1, len(jobs))), report=report)


def resume(db: Database, settings: Settings, run_id: int | None = None) -> tuple[int, list[str]]:
    """Queue again the jobs of a run that are still waiting (after the broker was down)."""
    with db.read() as session:
        status = runs.run_status(session, run_id)
        if status is None:
            raise UsageError("no organisation scan has been started yet")
        waiting = runs.jobs_of(session, status.run_id, ["queued"])
    return status.run_id, waiting
