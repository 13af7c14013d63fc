"""``aims demo-data``: load the Northwind Lending sample organisation into the register."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import typer

from openaims.cli.console import console, err_console
from openaims.cli.records import DatabaseOption, settings_for
from openaims.errors import UsageError
from openaims.register import open_register
from openaims.register.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, ORGANISATION, load_demo


def demo_data(
    scale: int = typer.Option(
        1,
        "--scale",
        envvar="AIMS_DEMO_SCALE",
        min=1,
        help="Add N-1 synthetic business units (5 AI systems, 50 components, ~200 history events each).",
    ),
    reset: bool = typer.Option(
        False, "--reset", envvar="AIMS_DEMO_RESET", help="Empty the register first (every record and account)."
    ),
    scan: Path | None = typer.Option(
        None,
        "--scan",
        envvar="AIMS_DEMO_SCAN",
        help="Repository to scan into the inventory (default: the sample repository shipped with aims, "
        "examples/sample-monorepo in the source tree).",
    ),
    today: str | None = typer.Option(
        None, "--today", envvar="AIMS_DEMO_TODAY", help="Date the sample data is relative to (default: today, UTC)."
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Load Northwind Lending: people, scope, policy, AI systems, risks, SoA, incidents, audits and more."""
    from openaims.discovery.interface import ScanOptions
    from openaims.discovery.scanner import Scanner

    try:
        day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise UsageError(f"--today {today!r} is not a date; use YYYY-MM-DD") from None
    if scan is not None and not scan.is_dir():
        raise UsageError(f"--scan {scan} is not a directory")
    settings = settings_for(database_url)
    db = open_register(settings)
    try:
        if reset:
            from openaims.register.testing import reset_database

            reset_database(db.url)
        if scan is not None:
            findings = Scanner(ScanOptions(root=scan)).scan().findings
        else:
            from openaims.register.demo_sample import plant_leaked_key, sample_repository

            with sample_repository() as repository:
                plant_leaked_key(repository)
                findings = Scanner(ScanOptions(root=repository)).scan().findings
        started = time.perf_counter()
        with db.session() as session:
            report = load_demo(
                session,
                today=day,
                evidence_dir=settings.evidence_folder,
                scan_findings=findings,
                scale=scale,
                progress=lambda message: err_console.print(f"Loading {message}...", markup=False),
            )
        elapsed = time.perf_counter() - started
    finally:
        db.dispose()
    console.print(
        f"Loaded {ORGANISATION}: {report.total} records of {len(report.records)} types in {elapsed:.1f}s.",
        markup=False,
        highlight=False,
    )
    if report.ingest is not None:
        console.print(f"Inventory: {report.ingest.summary()}", markup=False, highlight=False)
    if report.bulk_systems:
        console.print(
            f"Scale {scale}: {report.bulk_systems} synthetic AI systems, {report.bulk_components} components, "
            f"{report.bulk_events} history events.",
            markup=False,
            highlight=False,
        )
    if report.accounts:
        names = ", ".join(f"{u} ({r})" for u, r, _ in DEMO_ACCOUNTS if u in report.accounts)
        console.print(
            f"Demo sign-in accounts: {names}; password {DEMO_PASSWORD!r} (demo only: never on a shared server).",
            markup=False,
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data)
