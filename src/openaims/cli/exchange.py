"""``aims export`` / ``aims import`` (the register as YAML files) and ``aims csv export|import``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from openaims.cli.console import check_output, console, err_console
from openaims.cli.records import (
    ActorOption,
    DatabaseOption,
    actor_for,
    register_session,
    settings_for,
    signer_name,
)
from openaims.errors import UsageError
from openaims.register.exchange import export_csv, export_register, import_csv, import_register, read_export

if TYPE_CHECKING:
    from openaims.register.keys import OrganisationKey, PublicKey
    from openaims.settings import Settings

csv_app = typer.Typer(help="Registers as CSV for spreadsheets (risks, systems, SoA and every other type).",
                      no_args_is_help=True)  # fmt: skip

DryRunOption = typer.Option(
    False, "--dry-run", envvar="AIMS_DRY_RUN", help="Report what would be created or updated; write nothing."
)


def _organisation_key(settings: Settings) -> OrganisationKey | None:
    """The organisation key when this machine has one (exports are then signed)."""
    from openaims.register import keys

    path = settings.key_path()
    return keys.load_key(path, passphrase=settings.key_passphrase or None) if path.is_file() else None


def _trusted_key(public_key: Path | None, settings: Settings) -> PublicKey | None:
    """The key an export's checkpoint is checked with: --public-key, else the organisation's if any."""
    from openaims.register import keys

    path = settings.key_path()
    if public_key is None and not path.is_file() and not keys.public_key_path(path).is_file():
        return None
    return keys.trusted_public_key(public_key, path, passphrase=settings.key_passphrase or None)


def export(
    directory: Path = typer.Argument(..., help="Directory to write (new, empty, or an earlier export)."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Write the whole register as YAML, one file per record, its history, and evidence files by SHA-256.

    With an organisation key ('aims keys init'), the exported history is signed (checkpoint.json).
    """
    settings = settings_for(database_url)
    key = _organisation_key(settings)
    with register_session(database_url, write=False) as (session, settings):
        report = export_register(
            session, directory, evidence_dir=settings.evidence_folder, key=key, actor=signer_name(None)
        )
    removed = f"; removed {report.removed} stale file(s)" if report.removed else ""
    events = report.history.events if report.history else 0
    console.print(
        f"Exported {report.total} record(s) of {len(report.records)} type(s), {events} history event(s) and "
        f"{report.evidence_files} evidence file(s) to {directory}{removed}",
        markup=False,
        highlight=False,
    )
    if report.signed:
        console.print(f"The history is signed with the organisation key {key.key_id if key else ''} "
                      "(checkpoint.json).", markup=False, highlight=False)  # fmt: skip
    elif key is not None and report.unsigned_reason:
        err_console.print(f"aims: warning: the history is not signed: {report.unsigned_reason}", markup=False,
                          highlight=False, soft_wrap=True)  # fmt: skip


def import_(
    directory: Path = typer.Argument(..., help="Directory written by 'aims export'."),
    dry_run: bool = DryRunOption,
    merge: bool = typer.Option(
        False, "--merge", envvar="AIMS_MERGE",
        help="Import into a register that has a history of its own (recorded as an import event).",
    ),
    public_key: Path | None = typer.Option(
        None, "--public-key", envvar="AIMS_PUBLIC_KEY_FILE",
        help="Public key that checks the export's signed checkpoint (default: the organisation key).",
    ),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Load an exported register, all or nothing.

    Into an empty register, an export whose history verifies is restored as it was: same events, actors
    and times. Otherwise its records are imported as changes made by you.
    """
    found = read_export(directory)  # a damaged or hostile export is refused before the register is opened
    trusted = _trusted_key(public_key, settings_for(database_url))
    with register_session(database_url, write=True) as (session, settings):
        report = import_register(
            session, directory, actor_for(actor), evidence_dir=settings.evidence_folder, dry_run=dry_run,
            merge=merge, trusted_key=trusted, found=found,
        )  # fmt: skip
    say = "would " if dry_run else ""
    if report.mode == "restore":
        console.print(
            f"{'Dry run: ' if dry_run else ''}{'would restore' if dry_run else 'Restored'} the register as exported: "
            f"{len(report.created)} record(s) and {report.events} history event(s), actors and times as they "
            f"were ({report.provenance.reason}).",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        if report.accounts:
            console.print(
                f"{len(report.accounts)} sign-in account(s) {say}rebuilt from the history without passwords (an "
                f"export never holds them): {', '.join(report.accounts)}. Until one has a password the register "
                "takes commands as in personal mode; set one with 'aims user set-password NAME'.",
                markup=False, highlight=False, soft_wrap=True,
            )  # fmt: skip
        return
    for label, ids in (("create", report.created), ("update", report.updated)):
        if ids and (dry_run or len(ids) <= 50):
            prefix = f"would {label}" if dry_run else f"{label}d"
            console.print(f"{prefix}: {', '.join(ids)}", markup=False, highlight=False, soft_wrap=True)
    console.print(("Dry run: " if dry_run else "Imported: ") + report.summary(), markup=False, highlight=False)
    if report.created or report.updated:
        kept = report.provenance.trusted
        console.print(
            f"Provenance {'kept' if kept else 'not kept'}: {report.provenance.reason}"
            + ("" if kept else "; the records are recorded as imported by you, now")
            + (f". Recorded as history event #{report.event_seq}." if report.event_seq else "."),
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip


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
