"""``aims backup FILE`` and ``aims restore FILE``: the whole register in one verified archive, and back."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.console import check_output, console, err_console
from openaims.cli.records import DatabaseOption, settings_for
from openaims.errors import PermissionDeniedError, UsageError

ForceOption = typer.Option(False, "--force", help="Replace an existing file (backup) or register (restore).")


def _status(message: str) -> None:
    if err_console.is_terminal:
        err_console.print(f"{message}...", markup=False, highlight=False, style="dim")


def backup(
    file: Path = typer.Argument(..., help="Archive to write, e.g. aims-2026-06-30.tar.gz (.gz/.tgz: compressed)."),
    force: bool = ForceOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Back the whole register up (accounts, history and evidence files included) and verify the copy.

    SQLite registers are copied with SQLite's online backup API, PostgreSQL ones with pg_dump.
    The archive is as sensitive as the database: it holds password hashes.
    """
    from openaims.register import open_register
    from openaims.register.actors import default_actor_name
    from openaims.register.backup import create_backup

    settings = settings_for(database_url)
    check_output(file)
    if file.exists() and not force:
        raise UsageError(f"{file} exists; give another name, or --force to replace it")
    database = open_register(settings)
    try:
        report = create_backup(
            database, file, evidence_dir=settings.evidence_folder, actor=default_actor_name(),
            pg_bin_dir=settings.pg_bin_dir, progress=_status,
        )  # fmt: skip
    finally:
        database.dispose()
    console.print(
        f"Backed up the {report.dialect} register to {report.path} ({report.size:,} bytes): {report.events} "
        f"history event(s), head {report.head_hash[:16]}..., {report.evidence_files} evidence file(s). "
        f"Check it with 'aims restore {file}' into an empty register.",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip
    if report.missing_evidence:
        err_console.print(
            f"aims: warning: {len(report.missing_evidence)} evidence file(s) are missing from "
            f"{settings.evidence_folder()} and are not in the backup: {', '.join(report.missing_evidence[:5])}",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
    if report.findings:
        err_console.print(
            f"aims: warning: 'aims history verify' finds {len(report.findings)} problem(s) in the register, and the "
            f"backup holds them too; the first: {report.findings[0]}",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip


def _require_admin_to_replace(settings_url: str | None) -> None:
    """Replacing a team register needs a signed-in admin (a personal register: its operator)."""
    from openaims.cli.records import cli_identity
    from openaims.register import open_register
    from openaims.register.actors import Role
    from openaims.register.identity import HOW_TO_SIGN_IN, Mode

    settings = settings_for(settings_url)
    try:
        database = open_register(settings, migrate=False)
    except UsageError:
        return  # no register there yet, or one too damaged to open: nothing to protect but the file
    try:
        with database.read() as session:
            identity = cli_identity(session, settings)
    finally:
        database.dispose()
    if identity.mode is Mode.TEAM and (identity.account is None or Role.ADMIN not in identity.actor.roles):
        raise PermissionDeniedError(
            f"only an admin may replace this team register with a backup; {HOW_TO_SIGN_IN} as an admin"
        )


def restore(
    file: Path = typer.Argument(..., help="Archive written by 'aims backup'."),
    force: bool = typer.Option(
        False, "--force", help="Replace a register that holds records or history (back it up first)."
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Restore a backup into an empty register (or replace one with --force) and verify the result."""
    from openaims.register.backup import restore_backup

    settings = settings_for(database_url)
    if force:
        _require_admin_to_replace(database_url)
    report = restore_backup(
        file, settings.database_url, evidence_dir=settings.evidence_folder, force=force,
        pg_bin_dir=settings.pg_bin_dir, progress=_status,
    )  # fmt: skip
    integrity = report.integrity
    verdict = (
        "it verifies ('aims history verify')"
        if integrity is not None and integrity.ok
        else f"'aims history verify' finds {len(integrity.findings) if integrity else 0} problem(s), as in the backup"
    )
    console.print(
        f"Restored the {report.dialect} register backed up by {report.created_by} at {report.created_at}: "
        f"{report.events} history event(s) up to the backup's head {report.head_hash[:16]}..., "
        f"{report.evidence_files} evidence file(s); {verdict}.",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("backup", rich_help_panel="Register records")(backup)
    app.command("restore", rich_help_panel="Register records")(restore)
