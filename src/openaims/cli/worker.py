"""``aims worker``: a scan worker that runs organisation scan jobs from the broker."""

from __future__ import annotations

import os

import typer

from openaims.cli.console import err_console


def worker(
    concurrency: int | None = typer.Option(
        None, "--concurrency", "-c", min=1, max=256, help="Jobs run at once (processes). Default: one per CPU."
    ),
    loglevel: str = typer.Option("INFO", "--loglevel", help="Log level: DEBUG, INFO, WARNING or ERROR."),
    hostname: str | None = typer.Option(None, "--hostname", help="Worker name in logs (default: celery@HOST)."),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="AIMS_DATABASE_URL", help="Register database (PostgreSQL for a team)."
    ),
    ping: bool = typer.Option(
        False, "--ping", help="Exit 0 when the worker --hostname (default celery@HOST) answers; for health checks."
    ),
) -> None:
    """Run organisation scan jobs from the broker (AIMS_BROKER_URL) until stopped; run one per machine."""
    from openaims.cli.records import settings_for
    from openaims.errors import UsageError
    from openaims.org.queue import run_worker
    from openaims.register import open_register

    if loglevel.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise UsageError(f"--loglevel must be DEBUG, INFO, WARNING or ERROR, not {loglevel!r}")
    settings = settings_for(database_url)
    if ping:
        import socket

        from openaims.org.queue import ping as ping_worker

        name = (hostname or "celery@%h").replace("%h", socket.gethostname())
        answered = ping_worker(settings, name)
        err_console.print(f"aims worker: {name} {'answers' if answered else 'does not answer'}", markup=False)
        raise typer.Exit(0 if answered else 1)
    if database_url:
        os.environ["AIMS_DATABASE_URL"] = database_url  # the job processes read their settings again
    open_register(settings).dispose()  # the register exists and is at the newest schema
    count = concurrency or os.cpu_count() or 1
    err_console.print(f"aims worker: {count} process(es) on queue openaims-scans", markup=False)
    run_worker(settings, concurrency=count, loglevel=loglevel.upper(), hostname=hostname)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
