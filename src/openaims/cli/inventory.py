"""``aims inventory sync``: scan a repository and record its AI components in the register."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from openaims.cli.console import console, err_console, plain
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.discovery.interface import Finding, ScanOptions
from openaims.errors import UsageError
from openaims.register.ingest import IngestReport, sync_scan

inventory_app = typer.Typer(help="The AI inventory: components that scans found, by repository.",
                            no_args_is_help=True)  # fmt: skip


def repository_name(path: Path) -> str:
    """How a scanned directory is named in the register: its directory name."""
    return path.resolve().name or str(path.resolve())


def ingest(
    path: Path,
    findings: Sequence[Finding],
    *,
    repository: str | None = None,
    system_id: str | None = None,
    database_url: str | None = None,
    actor: str | None = None,
) -> IngestReport:
    """Record a complete scan of ``path`` in the register (one transaction)."""
    with register_session(database_url, write=True, scope="scan:push") as (session, _settings):
        return sync_scan(session, actor_for(actor), repository or repository_name(path), findings, system_id=system_id)


def sync(
    path: Path = typer.Argument(Path("."), help="Repository to scan.", envvar="AIMS_SCAN_PATH"),
    system_id: str | None = typer.Option(
        None, "--system", envvar="AIMS_SYSTEM", help="AI system the components belong to (e.g. SYS-3)."
    ),
    repository: str | None = typer.Option(
        None,
        "--repository",
        envvar="AIMS_REPOSITORY",
        help="Name of the repository in the register (default: the directory name).",
    ),
    include_vendored: bool = typer.Option(
        False, "--include-vendored", envvar="AIMS_INCLUDE_VENDORED", help="Also scan vendored directories."
    ),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Scan PATH and sync its components: new ones pending review, gone ones marked disappeared."""
    from openaims.discovery.scanner import Scanner

    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; give the repository to scan")
    result = Scanner(ScanOptions(root=path, include_vendored=include_vendored)).scan()
    report = ingest(
        path, result.findings, repository=repository, system_id=system_id, database_url=database_url, actor=actor
    )
    console.print(plain(report.summary()))
    if report.pending_review:
        err_console.print(
            f"{len(report.pending_review)} component(s) wait for review: aims component list --status pending",
            markup=False,
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    inventory_app.command("sync")(sync)
    app.add_typer(inventory_app, name="inventory")
