"""``aims export`` / ``aims import`` (the register as YAML files) and ``aims csv export|import``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from openaims.cli.console import check_output, console, err_console
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.errors import UsageError
from openaims.register.exchange import export_csv, export_register, import_csv, import_register

csv_app = typer.Typer(help="Registers as CSV for spreadsheets (risks, systems, SoA and every other type).",
                      no_args_is_help=True)  # fmt: skip

DryRunOption = typer.Option(
    False, "--dry-run", envvar="AIMS_DRY_RUN", help="Report what would be created or updated; write nothing."
)


def export(
    directory: Path = typer.Argument(..., help="Directory to write (new, empty, or an earlier export)."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Write the whole register as YAML, one file per record, plus evidence files by SHA-256."""
    with register_session(database_url, write=False) as (session, settings):
        report = export_register(session, directory, evidence_dir=settings.evidence_folder)
    removed = f"; removed {report.removed} stale file(s)" if report.removed else ""
    console.print(
        f"Exported {report.total} record(s) of {len(report.records)} type(s) and {report.evidence_files} "
        f"evidence file(s) to {directory}{removed}",
        markup=False,
        highlight=False,
    )


def import_(
    directory: Path = typer.Argument(..., help="Directory written by 'aims export'."),
    dry_run: bool = DryRunOption,
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Load an exported register: create missing records, update changed ones, all or nothing."""
    with register_session(database_url, write=True) as (session, settings):
        report = import_register(
            session, directory, actor_for(actor), evidence_dir=settings.evidence_folder, dry_run=dry_run
        )
    for label, ids in (("create", report.created), ("update", report.updated)):
        if ids and (dry_run or len(ids) <= 50):
            prefix = f"would {label}" if dry_run else f"{label}d"
            console.print(f"{prefix}: {', '.join(ids)}", markup=False, highlight=False, soft_wrap=True)
    console.print(("Dry run: " if dry_run else "Imported: ") + report.summary(), markup=False, highlight=False)


def csv_export(
    record_type: str = typer.Argument(..., help="Record type: risk, system, soa (soa-entry), ..."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="CSV file to write (default: standard output)."
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Write one register as CSV (lists joined with '; ')."""
    check_output(output)
    with register_session(database_url, write=False) as (session, _settings):
        if output is None or str(output) == "-":
            export_csv(session, record_type, sys.stdout)
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as out:
                rows = export_csv(session, record_type, out)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    err_console.print(f"Wrote {rows} row(s) to {output}", markup=False, highlight=False)


def csv_import(
    record_type: str = typer.Argument(..., help="Record type: risk, system, soa (soa-entry), ..."),
    file: str = typer.Argument(..., help="CSV file with a header row of field names ('-' for standard input)."),
    dry_run: bool = DryRunOption,
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Create rows without an id, update rows with one (the version column guards against stale edits)."""
    with register_session(database_url, write=True) as (session, _settings):
        if file == "-":
            report = import_csv(session, record_type, sys.stdin, actor_for(actor), dry_run=dry_run)
        else:
            path = Path(file)
            if not path.is_file():
                raise UsageError(f"{path} is not a readable file")
            try:
                with path.open(encoding="utf-8-sig", newline="") as source:
                    report = import_csv(session, record_type, source, actor_for(actor), dry_run=dry_run)
            except UnicodeDecodeError:
                raise UsageError(f"{path} is not UTF-8 text; save the sheet as CSV UTF-8") from None
    console.print(("Dry run: " if dry_run else "Imported: ") + report.summary(), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export", rich_help_panel="Register records")(export)
    app.command("import", rich_help_panel="Register records")(import_)
    csv_app.command("export")(csv_export)
    csv_app.command("import")(csv_import)
    app.add_typer(csv_app, name="csv", rich_help_panel="Register records")
