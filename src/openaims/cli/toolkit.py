"""``aims template`` and ``aims card``: AIMS documents filled from the register, and system cards."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, assert_never

import typer

from openaims.cli.console import console, err_console, write_file
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.errors import UsageError
from openaims.layout import Column, print_table

if TYPE_CHECKING:
    from openaims.reports.toolkit import Registered

template_app = typer.Typer(
    help="The toolkit: AI policy, scope statement, risk method and other AIMS documents filled from the register.",
    no_args_is_help=True,
)


class TemplateFormat(enum.StrEnum):
    MD = "md"
    DOCX = "docx"
    PDF = "pdf"


class CardFormat(enum.StrEnum):
    MD = "md"
    HTML = "html"
    PDF = "pdf"


OrganisationOption = typer.Option(
    None, "--organisation", envvar="AIMS_ORGANISATION", help="Organisation name in the document."
)


def _format(chosen: str | None, output: Path | None, allowed: type[enum.StrEnum]) -> str:
    """The format asked for, else the output file's suffix, else Markdown; binary formats need -o."""
    values = [f.value for f in allowed]
    if chosen is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        chosen = suffix if suffix in values else "md"
    if chosen not in values:
        raise UsageError(f"--format {chosen!r} is not one of {', '.join(values)}")
    if output is None and chosen in ("pdf", "docx"):
        raise UsageError(f"--format {chosen} writes a binary file: name it with -o FILE")
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    return chosen


@template_app.command("list")
def list_command() -> None:
    """List the toolkit's templates: name, title, what each is for and the clauses and controls it serves."""
    from openaims.reports.toolkit import templates

    columns = (Column("Name"), Column("ISO/IEC 42001"), Column("Title: what it is for", under=True, wrap=True))
    rows = [(info.name, info.serves_label, f"{info.title}: {info.purpose}") for info in templates().values()]
    print_table(console, columns, rows, title="Toolkit templates ('aims template render NAME')")


@template_app.command("render")
def render_command(
    name: str = typer.Argument(..., metavar="NAME", help="A template name from 'aims template list'."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: Markdown on standard output)."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="md, docx or pdf (default: the output file's suffix, else md)."
    ),
    register: bool = typer.Option(
        False, "--register",
        help="Also file the document under document control: a new document with a first draft version "
        "written by you (or a new draft version of the document of that title).",
    ),
    organisation: str | None = OrganisationOption,
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Fill a toolkit template with what the register knows (organisation, scope, systems, roles, risk
    method, Statement of Applicability, suppliers...) and write it as Markdown, Word or PDF; what the
    register does not hold is marked [TO COMPLETE: ...]."""
    from openaims.reports.document import DocFormat, render
    from openaims.reports.toolkit import blanks, register_template, render_template, template

    info = template(name)  # an unknown name is one line before anything is opened
    chosen = DocFormat(_format(fmt, output, TemplateFormat))
    with register_session(database_url, write=register) as (session, settings):
        who = actor_for(actor)
        org = organisation or settings.organisation
        if register:
            document, filed = register_template(session, who, info.name, organisation=org)
        else:
            document, filed = render_template(session, who, info.name, organisation=org), None
    data = render(document, chosen)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        write_file(output, data)
        console.print(f"Wrote {output}: {info.title}, {len(blanks(document))} blank(s) to complete", markup=False)
    if filed is not None:
        _filed_line(filed, to_stderr=output is None)


def _filed_line(filed: Registered, *, to_stderr: bool) -> None:
    what = "a new document" if filed.created else "a new draft version of"
    line = (
        f"Registered as {what} {filed.document.id} {filed.document.title!r}: version {filed.version.number} "
        f"({filed.version.id}) in {filed.version.status}"
    )
    (err_console if to_stderr else console).print(line, markup=False)


def card_command(
    system_id: str = typer.Argument(..., metavar="SYS-ID", help="The AI system, e.g. SYS-1."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: Markdown on standard output)."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="md, html or pdf (default: the output file's suffix, else md)."
    ),
    organisation: str | None = OrganisationOption,
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Write the system card of an AI system for the people who use it or are affected by it: purpose,
    intended use and limits, models and providers, data, human oversight, how to contest a decision or
    report a problem, EU AI Act classification and transparency notices, last review. Gaps show as gaps."""
    from openaims.reports.card import build_card, to_html
    from openaims.reports.document import to_markdown, to_pdf

    chosen = CardFormat(_format(fmt, output, CardFormat))
    with register_session(database_url, write=False) as (session, settings):
        org = organisation or settings.organisation
        document = build_card(session, actor_for(actor), system_id.strip(), organisation=org)
    if chosen is CardFormat.MD:
        data = to_markdown(document).encode("utf-8")
    elif chosen is CardFormat.HTML:
        data = to_html(document).encode("utf-8")
    elif chosen is CardFormat.PDF:
        data = to_pdf(document)
    else:
        assert_never(chosen)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        write_file(output, data)
        console.print(f"Wrote {output}: {document.meta.title}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(template_app, name="template")
    app.command("card")(card_command)


__all__ = ["register"]
