"""``aims org``: every repository of an organisation, scanned and kept current.

``aims org source add`` names where repositories come from, ``aims org sync`` lists them,
``aims org scan`` scans them (in-process on an embedded register, or as jobs for
``aims worker`` processes when ``AIMS_BROKER_URL`` is set), ``aims org status`` shows
progress and failures, ``aims org policy`` keeps the organisation policy.
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openaims.cli.console import console, err_console, plain
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.errors import UsageError
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.settings import Settings

org_app = typer.Typer(help="Organisation scans: sources of repositories, scans on workers, the central policy.",
                      no_args_is_help=True)  # fmt: skip
source_app = typer.Typer(help="Where repositories come from: GitHub, GitLab, git URLs, a folder of checkouts.",
                         no_args_is_help=True)  # fmt: skip
policy_app = typer.Typer(help="The organisation AI policy every repository is checked against.", no_args_is_help=True)


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = typer.Option(OutputFormat.TABLE, "--format", envvar="AIMS_LIST_FORMAT", help="Output format.")


@contextmanager
def _acting(database_url: str | None, actor: str | None, *, write: bool) -> Iterator[tuple[Database, Actor, Settings]]:
    """The register, the acting identity (checked once) and the settings, for work in several transactions."""
    with register_session(database_url, write=write) as (_session, settings):
        who = actor_for(actor)
    from openaims.register import open_register

    db = open_register(settings, migrate=False)
    try:
        yield db, who, settings
    finally:
        db.dispose()


def _say(text: str) -> None:
    console.print(plain(text), soft_wrap=True)


# ------------------------------------------------------------------ sources
@source_app.command("add")
def source_add(
    github: str | None = typer.Option(None, "--github", metavar="ORG", help="A GitHub organisation or user."),
    gitlab: str | None = typer.Option(None, "--gitlab", metavar="GROUP", help="A GitLab group (with subgroups)."),
    directory: Path | None = typer.Option(None, "--dir", metavar="DIR", help="A folder of git checkouts."),
    url: list[str] = typer.Option([], "--url", metavar="URL", help="A git URL (repeatable)."),
    urls_file: Path | None = typer.Option(None, "--urls", metavar="FILE", help="A file of git URLs, one a line."),
    name: str | None = typer.Option(None, "--name", help="Name of the source (default: github:ORG, dir:NAME...)."),
    api_url: str | None = typer.Option(
        None, "--api-url", help="API of a GitHub Enterprise or self-managed GitLab server (default: the public one)."
    ),
    token_env: str | None = typer.Option(
        None,
        "--token-env",
        metavar="VARIABLE",
        help="Environment variable that holds the API token (e.g. GITHUB_TOKEN); the token itself is never stored.",
    ),
    no_sync: bool = typer.Option(False, "--no-sync", help="Record the source without listing its repositories now."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Add a source of repositories and list them."""
    from openaims.org import service
    from openaims.register.org.sources import SourceKind

    given = [k for k, v in (("--github", github), ("--gitlab", gitlab), ("--dir", directory),
                            ("--url/--urls", url or urls_file)) if v]  # fmt: skip
    if len(given) != 1:
        raise UsageError("give exactly one of --github ORG, --gitlab GROUP, --dir DIR, --url URL or --urls FILE")
    urls: list[str] = list(url)
    if urls_file is not None:
        from openaims.untrusted import Limits, read_text

        text = read_text(urls_file, Limits(max_bytes=4 * 1024 * 1024, max_depth=1, max_elements=100_000))
        urls += [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if github:
        kind, location = SourceKind.GITHUB, github
    elif gitlab:
        kind, location = SourceKind.GITLAB, gitlab
    elif directory is not None:
        kind, location = SourceKind.DIR, str(directory)
    else:
        kind, location = SourceKind.URLS, name or (urls_file.stem if urls_file else "list")
        if not urls:
            raise UsageError(f"{urls_file} holds no git URL")
    with _acting(database_url, actor, write=True) as (db, who, _settings):
        source, report = service.add_source(db, who, kind, location, name=name, api_url=api_url,
                                            token_env=token_env, urls=urls, sync=not no_sync)  # fmt: skip
    _say(f"Added source {source.name} ({source.kind.value}: {source.location})")
    if report is not None:
        _say(report.summary())
        if report.error:
            raise typer.Exit(1)
        _say("Scan its repositories with: aims org scan")


@source_app.command("list")
def source_list(fmt: OutputFormat = FormatOption, database_url: str | None = DatabaseOption) -> None:
    """List the sources and how many repositories each has."""
    from openaims.register.org.sources import list_sources

    with register_session(database_url, write=False) as (session, _settings):
        items = list_sources(session)
    if fmt is OutputFormat.JSON:
        console.print_json(json.dumps([_source_json(s) for s in items]))
        return
    if not items:
        _say("No sources yet: add one with 'aims org source add --github ORG' (or --gitlab, --dir, --url).")
        return
    table = Table(title="Repository sources")
    for column in ("Source", "Kind", "Where", "Active", "Archived", "Deleted", "Last sync"):
        table.add_column(column)
    for s in items:
        synced = s.last_synced_at.strftime("%Y-%m-%d %H:%M") if s.last_synced_at else "never"
        if s.last_sync_error:
            synced += f" (failed: {s.last_sync_error})"
        table.add_row(plain(s.name), s.kind.value, plain(s.location), str(s.active),
                      str(s.repositories.get("archived", 0)), str(s.repositories.get("deleted", 0)),
                      plain(synced))  # fmt: skip
    console.print(table)


def _source_json(s: Any) -> dict[str, Any]:
    return {
        "name": s.name, "kind": s.kind.value, "location": s.location, "api_url": s.api_url,
        "token_env": s.token_env, "urls": s.urls, "repositories": s.repositories,
        "last_synced_at": s.last_synced_at.isoformat() if s.last_synced_at else None,
        "last_sync_error": s.last_sync_error,
    }  # fmt: skip


@source_app.command("remove")
def source_remove(
    name: str = typer.Argument(..., help="The source's name (aims org source list)."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Forget a source and its repositories (components and check results stay in the register)."""
    from openaims.register.org.sources import remove_source

    with register_session(database_url, write=True) as (session, _settings):
        remove_source(session, actor_for(actor), name)
    _say(f"Removed source {name}")


# ------------------------------------------------------------------ sync, scan, status
@org_app.command("sync")
def sync(
    names: list[str] = typer.Argument(None, help="Sources to sync (default: every source)."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """List each source's repositories again: new, archived and deleted ones are recorded."""
    from openaims.org import service

    with _acting(database_url, actor, write=True) as (db, who, _settings):
        reports = service.sync_all(db, who, names or None)
    if not reports:
        _say("No sources yet: add one with 'aims org source add'.")
    for report in reports:
        _say(report.summary())
    if any(r.error for r in reports):
        raise typer.Exit(1)


@org_app.command("scan")
def scan(
    all_: bool = typer.Option(False, "--all", help="Scan every active repository whole."),
    changed: bool = typer.Option(
        False, "--changed", help="Scan repositories whose commit moved since their last scan (the default)."
    ),
    source: str | None = typer.Option(None, "--source", help="Only this source's repositories."),
    local: bool = typer.Option(False, "--local", help="Scan in this process even when AIMS_BROKER_URL is set."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=256, envvar="AIMS_ORG_WORKERS", help="Processes of an in-process scan."
    ),
    wait: bool = typer.Option(False, "--wait", help="With workers: follow the run until it ends."),
    resume: bool = typer.Option(False, "--resume", help="Queue again the waiting jobs of the last run."),
    no_progress: bool = typer.Option(False, "--no-progress", envvar="AIMS_NO_PROGRESS", help="No progress bar."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Scan the organisation's repositories: one job per repository."""
    from openaims.org import service

    if all_ and changed:
        raise UsageError("give --all or --changed, not both")
    with _acting(database_url, actor, write=True) as (db, who, settings):
        if resume:
            from openaims.org.queue import enqueue

            run_id, waiting = service.resume(db, settings)
            if waiting:
                enqueue(settings, waiting)
            _say(f"Queued again {len(waiting)} waiting job(s) of run {run_id}.")
            return
        engine = service.engine_for(settings, local=local)
        mode = service.Mode.ALL if all_ else service.Mode.CHANGED
        planned = service.plan(db, who, settings, mode=mode, engine=engine, source=source)
        count = len(planned.run.jobs)
        if count == 0:
            _say(f"All {planned.considered} repositories are current: nothing changed since their last scan.")
            return
        if engine is service.Engine.CELERY:
            service.execute(settings, planned)
            _say(f"Queued {count} job(s) as run {planned.run.run_id} for the workers (aims worker).")
            if wait:
                _follow(db, planned.run.run_id, progress=not no_progress)
            else:
                _say("Follow it with: aims org status")
            return
        _run_here(db, settings, planned, workers=workers, progress=not no_progress)


def _run_here(db: Database, settings: Settings, planned: Any, *, workers: int | None, progress: bool) -> None:
    from openaims.org import service

    total = len(planned.run.jobs)
    failed: list[Any] = []
    started = time.perf_counter()
    with _progress(progress, total, "Scanning repositories") as advance:

        def report(outcome: Any) -> None:
            if outcome.state == "failed":
                failed.append(outcome)
            advance(outcome)

        service.execute(settings, planned, workers=workers, report=report)
    elapsed = time.perf_counter() - started
    _summary(db, planned.run.run_id, elapsed)
    if failed:
        raise typer.Exit(1)


@contextmanager
def _progress(enabled: bool, total: int, label: str) -> Iterator[Any]:
    if not enabled or not err_console.is_terminal:
        yield lambda _outcome: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:  # fmt: skip
        task = bar.add_task(label, total=total, failed=0)
        failures = [0]

        def advance(outcome: Any) -> None:
            if getattr(outcome, "state", "") == "failed":
                failures[0] += 1
            bar.update(task, advance=1, failed=failures[0])

        yield advance


def _follow(db: Database, run_id: int, *, progress: bool) -> None:
    from openaims.register.org.runs import run_status

    with db.read() as session:
        status = run_status(session, run_id)
    assert status is not None
    if not progress or not err_console.is_terminal:
        while status is not None and not status.finished:
            time.sleep(1.0)
            with db.read() as session:
                status = run_status(session, run_id)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("Scanning repositories"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[running]} running, {task.fields[failed]} failed"),
                      TimeElapsedColumn(), console=err_console, transient=True) as bar:  # fmt: skip
            task = bar.add_task("run", total=status.total, running=0, failed=0)
            while True:
                with db.read() as session:
                    status = run_status(session, run_id)
                assert status is not None
                bar.update(task, completed=status.done, running=status.states.get("running", 0),
                           failed=status.states.get("failed", 0))  # fmt: skip
                if status.finished:
                    break
                time.sleep(1.0)
    _summary(db, run_id, None)
    with db.read() as session:
        final = run_status(session, run_id)
    if final is not None and final.states.get("failed"):
        raise typer.Exit(1)


def _summary(db: Database, run_id: int, elapsed: float | None) -> None:
    from openaims.register.org.runs import run_status

    with db.read() as session:
        status = run_status(session, run_id)
    if status is None:
        return
    took = elapsed if elapsed is not None else status.elapsed_s
    timing = f" in {took:.1f}s" if took is not None else ""
    done = status.states.get("done", 0)
    _say(f"Run {status.run_id}: {done} of {status.total} repositories scanned{timing} "
         f"({status.incremental} incrementally), {status.states.get('failed', 0)} failed.")  # fmt: skip
    for failure in status.failures[:50]:
        console.print(plain(f"  failed: {failure.repository}: {failure.reason}"), soft_wrap=True)
    if len(status.failures) > 50:
        _say(f"  ... and {len(status.failures) - 50} more (aims org status)")


@org_app.command("status")
def status(
    source: str | None = typer.Option(None, "--source", help="Only this source."),
    run: int | None = typer.Option(None, "--run", help="A run's number (default: the newest)."),
    watch: bool = typer.Option(False, "--watch", help="Follow the run until it ends."),
    fmt: OutputFormat = FormatOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Progress of the last scan run, and each source's repositories: scanned, failing, failed."""
    from openaims.register.org import overview
    from openaims.register.org.runs import run_status

    if watch:
        with _acting(database_url, None, write=False) as (db, _who, _settings):
            with db.read() as session:
                current = run_status(session, run)
            if current is None:
                raise UsageError("no organisation scan has been started yet: aims org scan")
            _follow(db, current.run_id, progress=True)
        return
    with register_session(database_url, write=False) as (session, _settings):
        source_id = None
        if source:
            from openaims.register.org.sources import find_source

            source_id = find_source(session, source).id
        current = run_status(session, run, source_id=source_id)
        views = overview.sources(session, source_id=source_id)
    if fmt is OutputFormat.JSON:
        console.print_json(json.dumps({"run": overview.run_json(current), "sources": [v.to_json() for v in views]}))
        return
    if current is None:
        _say("No organisation scan yet: aims org scan")
    else:
        _print_run(current)
    for view in views:
        _print_source(view)


def _print_run(current: Any) -> None:
    states = ", ".join(f"{count} {state}" for state, count in sorted(current.states.items()))
    when = current.started_at.strftime("%Y-%m-%d %H:%M")
    took = f", took {current.elapsed_s:.1f}s" if current.elapsed_s is not None else ""
    _say(f"Run {current.run_id} ({current.mode}, {current.engine}) started {when} by {current.started_by}: "
         f"{current.done} of {current.total} finished ({states}){took}")  # fmt: skip
    if current.total:
        from rich.progress_bar import ProgressBar

        console.print(ProgressBar(total=current.total, completed=current.done, width=40))
    for failure in current.failures[:20]:
        console.print(plain(f"  failed: {failure.repository}: {failure.reason}"), soft_wrap=True)


def _print_source(view: Any) -> None:
    table = Table(title=f"{view.name}: {view.active} active, {view.scanned} scanned, {view.failing_repositories} "
                  f"failing the policy, {view.failed} failed to scan")  # fmt: skip
    for column in ("Repository", "State", "Last commit", "Scanned", "Findings", "Violations", "Failing", "Problem"):
        table.add_column(column)
    for repo in view.repositories[:200]:
        table.add_row(
            plain(repo.name), repo.state, (repo.commit or "")[:10],
            repo.scanned_at.strftime("%Y-%m-%d %H:%M") if repo.scanned_at else "never",
            str(repo.findings), str(repo.violations), str(repo.failing), plain(repo.error or ""),
        )  # fmt: skip
    console.print(table)
    if len(view.repositories) > 200:
        _say(f"... and {len(view.repositories) - 200} more repositories (--format json lists them all)")


# ------------------------------------------------------------------ the organisation policy
@policy_app.command("set")
def policy_set(
    file: Path = typer.Argument(..., help="A policy file (the format of aims-policy.yaml)."),
    summary: str | None = typer.Option(None, "--summary", help="What changed, for the version's record."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Write a new draft version of the organisation policy (it applies once approved)."""
    from openaims.policy.schema import POLICY_LIMITS
    from openaims.register import org_policy
    from openaims.untrusted import read_text

    text = read_text(file, POLICY_LIMITS)
    with register_session(database_url, write=True) as (session, _settings):
        version = org_policy.propose(session, actor_for(actor), text, summary=summary)
    _say(f"Wrote {version.id} (version {version.number}) of the organisation policy as a draft; another admin or "
         f"AIMS manager approves it with: aims org policy approve {version.id}")  # fmt: skip


@policy_app.command("approve")
def policy_approve(
    version: str | None = typer.Argument(None, help="The version to approve (default: the newest draft)."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Approve a draft of the organisation policy: every repository is checked against it from now on."""
    from openaims.register import org_policy

    with register_session(database_url, write=True) as (session, _settings):
        approved = org_policy.approve(session, actor_for(actor), version)
    _say(f"Approved {approved.id} (version {approved.number}) of the organisation policy; it applies to the next "
         "scan of each repository (aims org scan --all to check every repository now).")  # fmt: skip


@policy_app.command("show")
def policy_show(
    version: str | None = typer.Argument(None, help="A version (default: the one in force)."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Print the organisation policy in force (or a version) and list its versions."""
    from openaims.register import org_policy
    from openaims.register.org.runs import WORKER

    with register_session(database_url, write=False) as (session, _settings):
        versions = org_policy.versions(session, WORKER)
    if not versions:
        _say("No organisation policy yet: write one with 'aims org policy set FILE' (aims policy init writes a start).")
        return
    chosen = next((v for v in versions if v.id == version), None) if version else None
    if version and chosen is None:
        raise UsageError(f"{version} is not a version of the organisation policy")
    current = chosen or next((v for v in reversed(versions) if v.status == "approved"), None)
    table = Table(title="Organisation policy versions")
    for column in ("Version", "Number", "Status", "Author", "Approver", "Approved on", "Summary"):
        table.add_column(column)
    for v in versions:
        table.add_row(v.id, str(v.number), v.status, plain(v.author or ""), plain(v.approver or ""),
                      str(v.approved_on or ""), plain(v.change_summary or ""))  # fmt: skip
    console.print(table)
    if current is None:
        _say("No version is approved yet: nothing applies until one is (aims org policy approve).")
        return
    _say(f"# {current.id} (version {current.number}, {current.status})")
    console.print(plain(current.content or ""), soft_wrap=True)


def register(app: typer.Typer) -> None:
    org_app.add_typer(source_app, name="source")
    org_app.add_typer(policy_app, name="policy")
    app.add_typer(org_app, name="org")
