"""``aims management-review prepare|action|minutes``: a review's inputs compiled from the register,
its actions as tracked records, and its minutes; ``aims audit report`` and ``aims risk report``:
the internal audit report and the risk register and treatment plan as documents people read."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Any

import typer

from openaims.cli.console import check_output, console
from openaims.cli.documents import (
    DocFormatOption,
    DocumentFormat,
    OrganisationOption,
    document_format,
    write_document,
)
from openaims.cli.records import (
    ActorOption,
    DatabaseOption,
    FormatOption,
    OutputFormat,
    actor_for,
    print_json,
    register_session,
)


def print_inputs(compiled: dict[str, Any]) -> None:
    """The compiled inputs as text: each input's figures, then a line per record."""
    since = compiled.get("since") or "the start of the register"
    previous = compiled.get("previous_review")
    after = f" (previous review {previous})" if previous else ""
    console.print(
        f"{compiled['review_id']}: inputs [9.3.2] as of {compiled['as_of']}, since {since}{after}", markup=False
    )
    for section in compiled.get("sections", []):
        figures = "; ".join(f"{k}: {'-' if v is None else v}" for k, v in section["figures"].items())
        console.print(f"\n{section['title']}", markup=False, style="bold")
        console.print(f"  {figures}", markup=False)
        for line in section["lines"]:
            console.print(f"  - {line}", markup=False)


def review_extras(group: typer.Typer) -> None:
    @group.command("prepare")
    def prepare_cmd(
        review_id: str = typer.Argument(..., metavar="MR-ID", help="e.g. MR-2"),
        *,
        as_of: str | None = typer.Option(None, "--as-of", help="Compile as of this day, YYYY-MM-DD (default: today)."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Compile the review's inputs [9.3.2] from the register, store them on the review and print them."""
        from openaims.errors import UsageError
        from openaims.register.review_inputs import prepare_review

        day: dt.date | None = None
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise UsageError(f"--as-of {as_of!r} is not a date; use YYYY-MM-DD") from None
        with register_session(database_url, write=True) as (session, _settings):
            compiled = prepare_review(session, actor_for(actor), review_id.strip(), today=day).to_dict()
        if fmt is OutputFormat.JSON:
            print_json(compiled)
        elif fmt is OutputFormat.TABLE:
            print_inputs(compiled)
        else:
            typing.assert_never(fmt)

    @group.command("action")
    def action_cmd(
        review_id: str = typer.Argument(..., metavar="MR-ID", help="The review that decides the action."),
        *,
        description: str = typer.Option(..., "--description", help="What is to be done."),
        owner: str = typer.Option(..., "--owner", help="Who owns the action."),
        due: str = typer.Option(..., "--due", help="Due date, YYYY-MM-DD."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Record an action decided in the review, as a tracked record with an owner and a due date."""
        from openaims.register.services.reviews import ReviewActionService

        with register_session(database_url, write=True) as (session, _settings):
            record = ReviewActionService(session, actor_for(actor)).create(
                {"review_id": review_id.strip(), "description": description, "owner": owner, "due_date": due}
            )
        if fmt is OutputFormat.JSON:
            print_json(record.model_dump(mode="json"))
        else:
            console.print(
                f"Created {record.id} ({record.status}, due {record.due_date}, owner {record.owner})", markup=False
            )

    @group.command("minutes")
    def minutes_cmd(
        review_id: str = typer.Argument(..., metavar="MR-ID"),
        output: Path = typer.Argument(..., help="File to write: .pdf, .docx or .md."),
        *,
        fmt: DocumentFormat | None = DocFormatOption,
        organisation: str = OrganisationOption,
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
    ) -> None:
        """Export the review's minutes (attendees, inputs, decisions, actions, sign-off) as PDF, Word or
        Markdown; every page names the organisation, the review's version, date, chair and approver."""
        from openaims.reports.review_minutes import build_minutes, to_document

        chosen = document_format(output, fmt)
        check_output(output)
        with register_session(database_url, write=False) as (session, _settings):
            minutes = build_minutes(session, actor_for(actor), review_id.strip())
        write_document(output, to_document(minutes, organisation=organisation), chosen)


def audit_extras(group: typer.Typer) -> None:
    @group.command("report")
    def report_cmd(
        audit_id: str = typer.Argument(..., metavar="AUD-ID", help="e.g. AUD-1"),
        output: Path = typer.Argument(..., help="File to write: .pdf, .docx or .md."),
        *,
        fmt: DocumentFormat | None = DocFormatOption,
        organisation: str = OrganisationOption,
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
    ) -> None:
        """Export the internal audit report [9.2] (programme, scope, clauses with their headings, criteria,
        findings and the nonconformities they raised, conclusions, sign-off) as PDF, Word or Markdown."""
        from openaims.register.history import events_for
        from openaims.reports.audit_report import build_audit_report, completed_by

        chosen = document_format(output, fmt)
        check_output(output)
        with register_session(database_url, write=False) as (session, _settings):
            who = actor_for(actor)
            snap = load_snapshot(session, who, today=dt.datetime.now(dt.UTC).date())
            wanted = audit_id.strip()
            approver = completed_by(events_for(session, wanted), wanted) if wanted in snap.by_id("audit") else None
            document = build_audit_report(snap, wanted, organisation=organisation, approver=approver,
                                          generator=generator())  # fmt: skip
        write_document(output, document, chosen)


def risk_extras(group: typer.Typer) -> None:
    @group.command("sources")
    def sources_cmd(fmt: OutputFormat = FormatOption) -> None:
        """List the catalogue of AI risk sources (ISO/IEC 42001 Annex C.3, ISO/IEC 23894 Annex B) to use as
        a risk's --source (by id, e.g. C.3.3); free text is allowed too."""
        from openaims.frameworks.risk_sources import risk_sources

        if fmt is OutputFormat.JSON:
            print_json([vars(s) for s in risk_sources()])
        elif fmt is OutputFormat.TABLE:
            for s in risk_sources():
                console.print(f"{s.id}  {s.title} (ISO/IEC 23894 {s.iso23894})", markup=False)
                console.print(f"       {s.description}", markup=False)
        else:
            typing.assert_never(fmt)

    @group.command("report")
    def report_cmd(
        output: Path = typer.Argument(..., help="File to write: .pdf, .docx or .md."),
        *,
        system: str | None = typer.Option(None, "--system", metavar="SYS-ID", help="Only the risks of this system."),
        fmt: DocumentFormat | None = DocFormatOption,
        organisation: str = OrganisationOption,
        author: str | None = typer.Option(None, "--author", help="Who prepared it (default: the actor)."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
    ) -> None:
        """Export the AI risk register and treatment plan [6.1.2, 6.1.3, 8.2, 8.3] (method, every risk with
        its ratings and owner, every treatment with its Annex A controls) as PDF, Word or Markdown."""
        from openaims.errors import NotFoundError
        from openaims.reports.risk_register import build_risk_register

        chosen = document_format(output, fmt)
        check_output(output)
        with register_session(database_url, write=False) as (session, _settings):
            who = actor_for(actor)
            snap = load_snapshot(session, who, today=dt.datetime.now(dt.UTC).date())
            if system is not None and system.strip() not in snap.by_id("system"):
                raise NotFoundError(f"no AI system {system.strip()!r}; 'aims system list' shows the systems")
            document = build_risk_register(
                snap, organisation=organisation, author=author or who.name, generator=generator(),
                system_id=system.strip() if system else None,
            )  # fmt: skip
        write_document(output, document, chosen)


def generator() -> str:
    from openaims import __version__

    return f"OpenAIMS {__version__}"


def load_snapshot(session: Any, actor: Any, *, today: dt.date) -> Any:
    from openaims.readiness.snapshot import load_snapshot as load

    return load(session, actor, today=today)


__all__ = ["audit_extras", "print_inputs", "review_extras", "risk_extras"]
