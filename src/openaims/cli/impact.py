"""``aims impact-assessment report``: an impact assessment as a document people read and sign."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.console import console, write_file
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.errors import UsageError

#: What each output file name's suffix is written as.
SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".md": "md"}


def impact_extras(group: typer.Typer) -> None:
    @group.command("report")
    def report_cmd(
        assessment_id: str = typer.Argument(..., metavar="IA-ID", help="e.g. IA-1"),
        *,
        output: Path = typer.Option(..., "--output", "-o", help="File to write: .pdf, .docx or .md."),
        organisation: str | None = typer.Option(
            None, "--organisation", envvar="AIMS_ORGANISATION", help="Organisation name on every page."
        ),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
    ) -> None:
        """Write the impact assessment as a report in the sections of ISO/IEC 42005 (system, data and models,
        deployment context, affected groups with benefits, harms and measures, failure modes, review and
        approval), with the organisation, version, date, author and approver on every page."""
        from openaims.reports.document import DocFormat, render
        from openaims.reports.impact_assessment import build_document

        fmt = SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise UsageError(f"--output {output}: name a .pdf, .docx or .md file")
        if not output.parent.is_dir():
            raise UsageError(f"--output {output}: the folder {output.parent} does not exist")
        with register_session(database_url, write=False) as (session, settings):
            document = build_document(
                session, actor_for(actor), assessment_id.strip(), organisation=organisation or settings.organisation
            )
        write_file(output, render(document, DocFormat(fmt)))
        console.print(f"Wrote {output}: {document.meta.title}, version {document.meta.version}", markup=False)


__all__ = ["impact_extras"]
