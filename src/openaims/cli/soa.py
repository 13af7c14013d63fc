"""``aims soa``: approve, list, compare and export Statement of Applicability versions."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import assert_never

import typer

from openaims.cli.console import check_output, console, write_file
from openaims.errors import UsageError
from openaims.layout import Column, print_table

soa_app = typer.Typer(help="The Statement of Applicability as a controlled document.", no_args_is_help=True)


class ListFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


class ExportFormat(enum.StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"
    DOCX = "docx"


DB_OPTION = typer.Option(None, "--database-url", envvar="AIMS_DATABASE_URL", help="Register database URL.")
ACTOR_OPTION = typer.Option(None, "--actor", envvar="AIMS_ACTOR", help="Who is acting (default: the OS user).")


@soa_app.command("approve")
def approve(
    title: str | None = typer.Option(None, "--title", help="Title of the new version."),
    summary: str | None = typer.Option(None, "--summary", help="What changed since the last version."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Freeze the current SoA rows as a new approved version, approved by the actor today."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.soa_versions import SoaVersionService

    with register_session(database_url, write=True) as (session, _settings):
        service = SoaVersionService(session, actor_for(actor))
        version = service.approve(title=title, change_summary=summary)
        warnings = service.warnings()
        approver = service.approver_label(version)
    for warning in warnings:
        console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    console.print(
        f"Approved {version.id}: version {version.number} with {len(version.rows)} controls, "
        f"by {approver} on {version.approved_on}.",
        markup=False,
    )


@soa_app.command("versions")
def versions(
    output_format: ListFormat = typer.Option(ListFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT"),
    database_url: str | None = DB_OPTION,
) -> None:
    """List SoA versions with their approvers and dates."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.soa_versions import SoaVersionService

    with register_session(database_url, write=False) as (session, _settings):
        service = SoaVersionService(session, actor_for(None))
        items = sorted(service.all(), key=lambda v: v.number)
        approvers = {v.id: service.approver_label(v) for v in items}
    if output_format is ListFormat.JSON:
        listed = [{**v.model_dump(mode="json", exclude={"rows"}), "approved_by": approvers[v.id]} for v in items]
        typer.echo(json.dumps(listed, indent=2))
    elif output_format is ListFormat.TABLE:
        columns = (
            Column("Version", justify="right"),
            Column("Id"),
            Column("Status"),
            Column("Approved by", min_width=10, drop=1),
            Column("On"),
            Column("Controls", justify="right", drop=2),
            Column("Summary", under=True, wrap=True),
        )
        rows = [
            (str(v.number), v.id, v.status, approvers[v.id] or "", str(v.approved_on or ""), str(len(v.rows)),
             v.change_summary or "")
            for v in items
        ]  # fmt: skip
        print_table(console, columns, rows, title="Statement of Applicability versions")
    else:
        assert_never(output_format)


@soa_app.command("diff")
def diff(
    older: int = typer.Argument(..., help="Older version number."),
    newer: int = typer.Argument(..., help="Newer version number."),
    output_format: ListFormat = typer.Option(ListFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT"),
    database_url: str | None = DB_OPTION,
) -> None:
    """Compare two SoA versions control by control."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.soa_versions import SoaVersionService

    with register_session(database_url, write=False) as (session, _settings):
        service = SoaVersionService(session, actor_for(None))
        result = service.compare(service.get_by_number(older).id, service.get_by_number(newer).id)
    if output_format is ListFormat.JSON:
        typer.echo(result.model_dump_json(indent=2))
    elif output_format is ListFormat.TABLE:
        if not result.changes:
            console.print(f"No differences between {result.older} and {result.newer}.", markup=False)
            return
        rows = []
        for change in result.changes:
            if not change.fields:
                rows.append((change.control_id, change.change, "", ""))
            for field, (before, after) in change.fields.items():
                rows.append((change.control_id, change.change, field, f"{before} -> {after}"))
        columns = (
            Column("Control"),
            Column("Change"),
            Column("Field", min_width=10),
            Column("Before -> after", under=True, wrap=True),
        )
        print_table(console, columns, rows, title=f"{result.older} → {result.newer}")
    else:
        assert_never(output_format)


@soa_app.command("export")
def export(
    output: Path = typer.Argument(..., help="File to write (.xlsx, .pdf or .docx)."),
    version: int | None = typer.Option(None, "--version", help="Version number (default: the latest approved)."),
    draft: bool = typer.Option(False, "--draft", help="Export the current, unapproved rows instead."),
    output_format: ExportFormat | None = typer.Option(
        None, "--format", "-f", help="xlsx, pdf or docx (default: from the file name)."
    ),
    organisation: str = typer.Option(
        "Our organisation", "--organisation", envvar="AIMS_ORGANISATION", help="Name on every page."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Export a SoA version (or the draft) to xlsx, PDF or Word; every page names the version, date and approver."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.soa_versions import SoaVersionService
    from openaims.reports import soa as soa_report

    fmt = output_format
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in {f.value for f in ExportFormat}:
            raise UsageError(
                f"cannot tell the format from {output.name!r}; name it .xlsx, .pdf or .docx, or pass --format"
            )
        fmt = ExportFormat(suffix)
    check_output(output)
    with register_session(database_url, write=False) as (session, _settings):
        service = SoaVersionService(session, actor_for(None))
        if draft:
            document = soa_report.draft(service.current_rows(), organisation)
        else:
            chosen = service.get_by_number(version) if version is not None else service.latest()
            if chosen is None:
                raise UsageError("no approved SoA version yet: approve one with 'aims soa approve', or use --draft")
            document = soa_report.from_version(chosen, organisation, approver=service.approver_label(chosen))
    if fmt is ExportFormat.XLSX:
        data = soa_report.to_xlsx(document)
    elif fmt is ExportFormat.PDF:
        data = soa_report.to_pdf(document)
    elif fmt is ExportFormat.DOCX:
        data = soa_report.to_docx(document)
    else:
        assert_never(fmt)
    write_file(output, data)
    console.print(f"Wrote {document.stamp} to {output} ({len(data):,} bytes).", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(soa_app, name="soa")
