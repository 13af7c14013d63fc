"""One job: fetch one repository, scan it, judge it, record it, exactly once.

The same function runs in an ``aims worker`` (Celery) and in the in-process pool of
``aims org scan`` on an embedded register. A job:

1. claims its row (``running``, one more attempt); a job that already has its result
   (delivered again after its worker died at the very end) stops there;
2. gets the tree: a shallow fetch into the clone cache, or the checkout itself for a
   directory source;
3. scans only the files changed since the last scanned commit when the clone still has
   that commit and the register the findings of that scan, else the whole tree;
4. judges the findings by the organisation policy in force (with the approved exception
   records that name the repository) and the repository's own ``aims-policy.yaml``;
5. in one transaction, and only if no other delivery did it first: records the
   components, the check result (unique per job) and the repository's last scan.

A killed worker leaves nothing half-written: everything it recorded is in step 5's one
transaction. Failures are recorded with a one-line reason; passing ones (a server or the
register not answering) are tried again with back-off first.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from openaims.discovery.interface import REPORT_SCHEMA, CutShort, Finding, ScanOptions, Unparsed
from openaims.errors import AimsError
from openaims.org.checkout import CloneCache, Tree, local_tree
from openaims.org.interface import JobError, scrub, token_from
from openaims.policy.layered import evaluate_layered, with_exceptions
from openaims.policy.schema import PolicyError, resolve_policy
from openaims.register import history
from openaims.register.compliance import CheckIn, record_check, result_for_job, violations_of
from openaims.register.db import Database
from openaims.register.ingest import sync_scan
from openaims.register.org import runs
from openaims.register.org.sources import SourceKind
from openaims.register.org_policy import exceptions_for, in_force
from openaims.settings import Settings

#: Version of the scan state kept per repository (the last scan's findings by path).
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class JobOutcome:
    job_id: str
    #: ``done``, ``failed``, ``retry`` (a passing failure, tried again) or ``duplicate`` (already recorded).
    state: str
    repository: str = ""
    commit: str | None = None
    incremental: bool | None = None
    files_scanned: int = 0
    findings: int = 0
    failing: int = 0
    error: str | None = None
    transient: bool = False


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@functools.cache
def _database(url: str) -> Database:
    """One engine per process and register (jobs of one worker share its connection pool)."""
    return Database(url)


def run_job(job_id: str, settings: Settings, *, worker: str | None = None, final: bool | None = None) -> JobOutcome:
    """Run one job. ``final``: whether a passing failure is recorded as the job's end (the
    last try) or sends it back to the queue; default: after ``AIMS_JOB_RETRIES`` tries."""
    db = _database(settings.database_url)
    started = time.perf_counter()
    try:
        with db.session() as session:
            ticket = runs.claim(session, job_id, worker or worker_name())
    except runs.JobGone as exc:
        return JobOutcome(job_id, "failed", error=exc.message)
    if ticket is None:
        return JobOutcome(job_id, "duplicate")
    last_try = final if final is not None else ticket.attempt > settings.job_retries
    token: str | None = None
    try:
        token = token_from(ticket.token_env)
        if ticket.token_env and token is None:
            raise JobError(f"the token variable {ticket.token_env} is not set on this worker")
        outcome = _scan_and_record(db, ticket, settings, token, started)
    except (JobError, OperationalError, AimsError) as exc:
        transient = isinstance(exc, OperationalError) or bool(getattr(exc, "transient", False))
        reason = _reason(exc, token)
        end = last_try or not transient
        _record_failure(db, job_id, reason, final=end)
        return JobOutcome(job_id, "failed" if end else "retry", ticket.repository, error=reason, transient=transient)
    except Exception as exc:  # a scan that crashed: recorded, and the run goes on
        reason = _reason(exc, token)
        _record_failure(db, job_id, reason, final=True)
        return JobOutcome(job_id, "failed", ticket.repository, error=reason)
    return outcome


def _reason(exc: BaseException, token: str | None) -> str:
    if isinstance(exc, OperationalError):
        text = f"the register did not answer: {str(exc.orig).splitlines()[0] if exc.orig else exc}"
    elif isinstance(exc, AimsError):
        text = exc.message
    else:
        text = f"{type(exc).__name__}: {exc}"
    return runs.one_line(scrub(text, [token]))


def _record_failure(db: Database, job_id: str, reason: str, *, final: bool) -> None:
    for attempt in range(5):
        try:
            with db.session() as session:
                runs.fail(session, job_id, reason, final=final)
            return
        except OperationalError:
            time.sleep(0.5 * (attempt + 1))


def _tree(ticket: runs.JobTicket, settings: Settings, token: str | None, since: str | None) -> tuple[Tree, Any]:
    """The tree to scan and the lease that keeps its clone (``contextlib`` manager) or None."""
    if ticket.source_kind == SourceKind.DIR.value:
        return local_tree(Path(ticket.clone_url), since), None
    cache = CloneCache(settings.org_cache_folder(), settings.org_cache_mb * 1024 * 1024)
    lease = cache.lease(f"{ticket.source}/{ticket.repository}")
    slot = lease.__enter__()
    try:
        tree = cache.fetch(slot, ticket.clone_url, ticket.default_branch, since=since, token=token,
                           kind=ticket.source_kind)  # fmt: skip
        cache.evict(keep=slot)
    except BaseException:
        lease.__exit__(None, None, None)
        raise
    return tree, lease


def _findings_from(items: Iterable[Any]) -> list[Finding]:
    from openaims.discovery.report import findings_from_report

    return findings_from_report({"schema": REPORT_SCHEMA, "findings": list(items)})


def _unparsed_from(items: Iterable[Any]) -> list[Unparsed]:
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(Unparsed(str(item.get("path", "")), str(item.get("detector", "")), str(item.get("reason", ""))))
    return out


def _cut_short_from(items: Iterable[Any]) -> list[CutShort]:
    return [CutShort(u.path, u.detector, u.reason) for u in _unparsed_from(items)]


def _scan(
    tree: Tree, previous: dict[str, Any] | None
) -> tuple[list[Finding], list[Unparsed], list[CutShort], int, bool]:
    """Findings of the whole tree: the previous scan's for unchanged files, a new scan for changed ones."""
    from openaims.discovery.scanner import Scanner

    incremental = previous is not None and tree.changed is not None
    paths = tree.changed if incremental else None
    try:
        result = Scanner(ScanOptions(root=tree.root), jobs=1).scan(paths=paths)
    except AimsError as exc:
        raise JobError(f"the scan failed: {exc.message}") from None
    findings = list(result.findings)
    unparsed = list(result.stats.unparsed)
    cut_short = list(result.stats.cut_short)
    if incremental and previous is not None:
        changed = set(tree.changed or [])
        kept = [f for f in previous.get("findings", []) if isinstance(f, dict) and f.get("path") not in changed]
        findings = sorted([*_findings_from(kept), *findings], key=Finding.sort_key)
        unparsed = [
            *[u for u in _unparsed_from(previous.get("unparsed", [])) if u.path not in changed],
            *unparsed,
        ]
        cut_short = [
            *[c for c in _cut_short_from(previous.get("cut_short", [])) if c.path not in changed],
            *cut_short,
        ]
    return findings, unparsed, cut_short, int(result.stats.files_scanned), incremental


def _scan_and_record(
    db: Database, ticket: runs.JobTicket, settings: Settings, token: str | None, started: float
) -> JobOutcome:
    state = ticket.scan_state
    usable = (
        not ticket.full
        and state.get("version") == STATE_VERSION
        and state.get("commit") == ticket.last_scanned_commit
        and isinstance(state.get("findings"), list)
    )
    previous = state if usable else None
    tree, lease = _tree(ticket, settings, token, ticket.last_scanned_commit if usable else None)
    try:
        findings, unparsed, cut_short, files, incremental = _scan(tree, previous)
        try:
            repo_policy = resolve_policy(tree.root, None)
        except PolicyError as exc:
            raise JobError(f"its aims-policy.yaml is not valid: {exc.message.splitlines()[0]}") from None
        with db.read() as session:
            org = in_force(session, runs.WORKER)
            extra = exceptions_for(session, runs.WORKER, ticket.repository)
        organisation = with_exceptions(org.policy, extra) if org is not None else None
        repository = repo_policy.policy if (repo_policy.source is not None or organisation is None) else None
        lint: list[Any] = []
        if any(p is not None and p.agent_config is not None for p in (organisation, repository)):
            from openaims.lint import lint_findings

            lint = list(lint_findings(tree.root, findings, None))
        layered = evaluate_layered(
            findings, organisation=organisation, repository=repository, today=dt.datetime.now(dt.UTC).date(),
            lint_findings=lint, unparsed=unparsed, cut_short=cut_short,
        )  # fmt: skip
    finally:
        if lease is not None:
            lease.__exit__(None, None, None)
    violations = violations_of(layered)
    failing = sum(1 for v in violations if v.status in {"failing", "expired-exception"})
    new_state = {
        "version": STATE_VERSION,
        "commit": tree.commit,
        "findings": [f.to_dict() for f in findings],
        "unparsed": [u.to_dict() for u in unparsed],
        "cut_short": [c.to_dict() for c in cut_short],
    }
    try:
        with db.session() as session:
            history.lock(session)  # writers queue here, before any other row lock
            if runs.finished(session, ticket.job_id) or result_for_job(session, ticket.job_id) is not None:
                return JobOutcome(ticket.job_id, "duplicate", ticket.repository, tree.commit)
            sync_scan(session, runs.WORKER, ticket.repository, findings)
            record_check(
                session,
                runs.WORKER,
                CheckIn(
                    repository=ticket.repository, origin="org-scan", violations=violations, findings=len(findings),
                    commit=tree.commit, job_id=ticket.job_id, policy_version=org.version_id if org else None,
                ),
            )  # fmt: skip
            runs.finish(
                session, ticket.job_id, outcome="done", commit=tree.commit, scan_state=new_state,
                findings=len(findings), violations=len(violations), failing=failing, incremental=incremental,
                files_scanned=files, duration_s=time.perf_counter() - started,
            )  # fmt: skip
    except IntegrityError:  # another delivery of this job recorded its result first
        return JobOutcome(ticket.job_id, "duplicate", ticket.repository, tree.commit)
    return JobOutcome(ticket.job_id, "done", ticket.repository, tree.commit, incremental, files, len(findings), failing)
