"""``aims review``: the AI security review of one system (threat model, decisions, red-team results)."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Any, assert_never

import typer

from openaims.cli.console import check_output, console, write_file
from openaims.errors import UsageError
from openaims.layout import Column, print_table

review_app = typer.Typer(
    help="AI security review per system: a threat model from what scans found, decisions, red-team results.",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(None, "--database-url", envvar="AIMS_DATABASE_URL", help="Register database URL.")
ACTOR_OPTION = typer.Option(None, "--actor", envvar="AIMS_ACTOR", help="Who is acting (default: the OS user).")


class ShowFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


class ReportFormat(enum.StrEnum):
    MARKDOWN = "markdown"
    PDF = "pdf"


class ResultsFormat(enum.StrEnum):
    AUTO = "auto"
    PROMPTFOO = "promptfoo"
    GARAK = "garak"


def _answers(untrusted_input: str | None, acts_externally: str | None, data: str | None, output: str | None,
             other_agents: str | None, *, ask: bool) -> Any:  # fmt: skip
    """The questionnaire from the options; on a terminal (unless --no-input) the rest is asked."""
    from openaims.register import threat_model as tm

    given: dict[str, str | None] = {"untrusted_input": untrusted_input, "acts_externally": acts_externally,
                                    "data": data, "output": output, "other_agents": other_agents}  # fmt: skip
    if ask and sys.stdin is not None and sys.stdin.isatty():
        for question, text in tm.QUESTIONS.items():
            if given[question] is None:
                while True:
                    reply = str(typer.prompt(text, default="", show_default=False)).strip()
                    if not reply:
                        break
                    try:
                        _parse_one(question, reply)
                    except UsageError as exc:
                        console.print(str(exc), markup=False)
                        continue
                    given[question] = reply
                    break
    parsed = {q: (_parse_one(q, v) if v is not None else None) for q, v in given.items()}
    return tm.Answers(**parsed)


def _parse_one(question: str, value: str) -> Any:
    from openaims.register import threat_model as tm

    if question == "data":
        return tm.parse_data(value)
    if question == "output":
        return tm.parse_output(value)
    return tm.parse_yes_no(value, question)


@review_app.command("start")
def start(
    system_id: str = typer.Argument(..., help="AI system id, e.g. SYS-1."),
    untrusted_input: str | None = typer.Option(None, "--untrusted-input", help="yes or no: takes untrusted input."),
    acts_externally: str | None = typer.Option(
        None, "--acts-externally", help="yes or no: can act on external systems (send, write, call APIs, run tools)."
    ),
    data: str | None = typer.Option(
        None, "--data", help="Data it can reach: personal, confidential, credentials, public or none (comma-separated)."
    ),
    output: str | None = typer.Option(None, "--output", help="Its output is shown, executed, both or none."),
    other_agents: str | None = typer.Option(None, "--other-agents", help="yes or no: works with other agents."),
    lint_paths: list[Path] = typer.Option(
        [],
        "--lint-path",
        help="Checkout of one of the system's repositories to lint agent files and MCP configs "
        "in (repeatable); default: its repositories that are folders here.",
    ),
    no_input: bool = typer.Option(False, "--no-input", help="Never ask; unanswered questions count as 'yes'."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Build (or refresh) the draft threat model of a system from its components and a questionnaire."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.security_reviews import SecurityReviewService

    answers = _answers(untrusted_input, acts_externally, data, output, other_agents, ask=not no_input)
    for path in lint_paths:
        if not path.is_dir():
            raise UsageError(f"--lint-path {path} is not a folder")
    with register_session(database_url, write=True) as (session, _settings):
        service = SecurityReviewService(session, actor_for(actor))
        lint = _lint(service, system_id.upper(), lint_paths)
        review = service.start(system_id.upper(), answers, lint=lint)
    applicable = [t for t in review.threats if t.applicable]
    console.print(
        f"{review.id} (draft) for {review.system_id}: {len(applicable)} applicable threats, "
        f"{len(review.threats) - len(applicable)} not applicable, {len(review.items)} findings as items.",
        markup=False,
    )
    for entry in applicable:
        console.print(f"  {entry.key} {entry.title}: {'; '.join(entry.reasons)}", markup=False, soft_wrap=True)
    for item in review.items:
        console.print(f"  item: {item.title} ({item.where or item.source}) -> {item.threat}", markup=False,
                      soft_wrap=True)  # fmt: skip
    console.print(f"Decide each with 'aims review decide {review.id} THREAT ...'; see it with "
                  f"'aims review show {review.system_id}'.", markup=False)  # fmt: skip


def _lint(service: Any, system_id: str, paths: list[Path]) -> list[Any]:
    from openaims.lint.engine import run_lint

    if not paths:
        system = service._system(system_id)
        paths = [Path(r) for r in system.repositories if Path(r).is_dir()]
    found: list[Any] = []
    for path in paths:
        found.extend(run_lint(path))
    return found


@review_app.command("show")
def show(
    ref: str = typer.Argument(..., help="AI system id (its open or current review) or review id (SECREV-n)."),
    output_format: ShowFormat = typer.Option(ShowFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT"),
    database_url: str | None = DB_OPTION,
) -> None:
    """Show a review: threats with why they apply, findings, red-team results, decisions, staleness."""
    from openaims.cli.records import actor_for, register_session
    from openaims.reports.security_review import build

    with register_session(database_url, write=False) as (session, _settings):
        report = build(session, actor_for(None), ref)
    if output_format is ShowFormat.JSON:
        data = report.review.model_dump(mode="json")
        data |= {"stale": list(report.stale), "failures_by_threat": report.failures, "approval": report.approval}
        typer.echo(json.dumps(data, indent=2))
    elif output_format is ShowFormat.TABLE:
        _print_review(report)
    else:
        assert_never(output_format)


def _print_review(report: Any) -> None:
    review = report.review
    console.print(f"{review.id} {review.title} [{review.status}]" + (f", {report.approval}" if report.approval else ""),
                  markup=False)  # fmt: skip
    if report.stale:
        console.print("STALE: " + "; ".join(report.stale), markup=False, soft_wrap=True)
    rows: list[tuple[str, ...]] = []
    for t in report.applicable:
        decision = {"risk": f"risk {t.risk_id}", "accepted": f"accepted ({t.decided_by})"}.get(
            t.decision or "", "undecided"
        )
        extra = [i.title for i in report.items.get(t.key, [])] + report.failures.get(t.key, [])
        rows.append((t.key, t.title, decision, "; ".join([*t.reasons, *extra])))
    columns: tuple[Column, ...] = (
        Column("Threat"),
        Column("Title", min_width=12, drop=1),
        Column("Decision", min_width=9),
        Column("Why it applies, findings, red-team failures", under=True, wrap=True),
    )
    print_table(console, columns, rows, title="Applicable threats")
    rows = [(t.key, "; ".join(t.reasons)) for t in report.not_applicable]
    print_table(console, (Column("Threat"), Column("Why not", under=True, wrap=True)), rows, title="Not applicable")
    for result in review.results:
        rows = [(c.category, str(c.passed), str(c.failed), "fail" if c.failed else "pass", ", ".join(c.threats))
                for c in result.categories]  # fmt: skip
        columns = (Column("Category"), Column("Passed", justify="right"), Column("Failed", justify="right"),
                   Column("Verdict"), Column("Demonstrates", under=True, wrap=True))  # fmt: skip
        print_table(console, columns, rows, title=f"{result.filename} ({result.evidence_id})")


@review_app.command("decide")
def decide(
    review_id: str = typer.Argument(..., help="Review id (SECREV-n) or AI system id (its open review)."),
    threat: str = typer.Argument(..., help="Threat, e.g. owasp-llm:LLM01:2025 or LLM01:2025."),
    existing_controls: str | None = typer.Option(None, "--controls", help="Controls already in place."),
    gap: str | None = typer.Option(None, "--gap", help="What the existing controls leave open."),
    risk_id: str | None = typer.Option(None, "--risk", help="Link an existing risk (RISK-n)."),
    new_risk: str | None = typer.Option(None, "--new-risk", help="Raise a new risk with this title."),
    treatment: str | None = typer.Option(
        None, "--treatment", help="Add a treatment to the risk: mitigate, avoid, transfer or accept."
    ),
    accept: bool = typer.Option(False, "--accept", help="Accept the gap (admin or AIMS manager; needs --rationale)."),
    rationale: str | None = typer.Option(None, "--rationale", help="Why the gap is accepted, or notes on the risk."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Record the decision on one applicable threat: a new or linked risk with a treatment, or an accepted gap."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.security_reviews import SecurityReviewService

    with register_session(database_url, write=True) as (session, _settings):
        service = SecurityReviewService(session, actor_for(actor))
        review = service.resolve(review_id)
        review = service.decide(review.id, threat, existing_controls=existing_controls, gap=gap, risk_id=risk_id,
                                new_risk=new_risk, treatment=treatment, accept=accept, rationale=rationale)  # fmt: skip
        entry = review.threat(threat)
    what = f"risk {entry.risk_id}, treatment {entry.treatment_id}" if entry.decision == "risk" else "gap accepted"
    console.print(f"{review.id}: {entry.key} decided ({what}); {len(review.undecided())} applicable threat(s) left.",
                  markup=False)  # fmt: skip


@review_app.command("complete")
def complete(
    review_id: str = typer.Argument(..., help="Review id (SECREV-n) or AI system id (its open review)."),
    summary: str | None = typer.Option(None, "--summary", help="Conclusion of the review."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Complete the review: the acting person approves it; refused while an applicable threat is undecided."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.security_reviews import SecurityReviewService

    with register_session(database_url, write=True) as (session, settings):
        service = SecurityReviewService(session, actor_for(actor))
        service.independent_approval = settings.security_review_independent
        review = service.complete(service.resolve(review_id).id, summary=summary)
    console.print(f"{review.id} completed: approved by {review.approved_by} on {review.approved_on}.", markup=False)


@review_app.command("import-results")
def import_results(
    system_id: str = typer.Argument(..., help="AI system id; the results go to its open review."),
    file: Path = typer.Argument(..., help="promptfoo JSON results or a garak report (.report.jsonl)."),
    results_format: ResultsFormat = typer.Option(ResultsFormat.AUTO, "--format", help="Format of the file."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Store a red-team result file as evidence and summarise pass/fail per attack category on the review."""
    from openaims.cli.records import actor_for, make_service, register_session
    from openaims.redteam import ResultFormat
    from openaims.register.services.evidence import EvidenceService
    from openaims.register.services.security_reviews import SecurityReviewService

    fmt = None if results_format is ResultsFormat.AUTO else ResultFormat(results_format.value)
    with register_session(database_url, write=True) as (session, settings):
        who = actor_for(actor)
        service = SecurityReviewService(session, who)
        evidence = make_service(EvidenceService, session, who, settings)
        assert isinstance(evidence, EvidenceService)
        review, imported = service.import_results(system_id, file, evidence=evidence, fmt=fmt)
    console.print(f"{file.name} stored as {imported.evidence_id} ({imported.tool_version or imported.format}) on "
                  f"{review.id}:", markup=False)  # fmt: skip
    for c in imported.categories:
        verdict = "FAIL" if c.failed else "pass"
        threats = f" -> {', '.join(c.threats)}" if c.threats and c.failed else ""
        console.print(f"  {verdict} {c.category}: {c.passed} passed, {c.failed} failed{threats}", markup=False)


@review_app.command("raise")
def raise_from_result(
    review_id: str = typer.Argument(..., help="Review id (SECREV-n) or AI system id (its open review)."),
    evidence_id: str = typer.Argument(..., help="Evidence id of the imported result file."),
    category: str = typer.Argument(..., help="Failed attack category, as 'aims review show' lists it."),
    incident: bool = typer.Option(False, "--incident", help="Raise an incident instead of a risk."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Raise a risk (or an incident) from a failed attack category of imported results."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.security_reviews import SecurityReviewService

    with register_session(database_url, write=True) as (session, _settings):
        service = SecurityReviewService(session, actor_for(actor))
        review, raised = service.raise_from_result(service.resolve(review_id).id, evidence_id, category,
                                                   as_incident=incident)  # fmt: skip
    console.print(f"{raised} raised from {category} in {evidence_id.upper()} ({review.id}).", markup=False)


@review_app.command("report")
def report(
    ref: str = typer.Argument(..., help="AI system id (its open or current review) or review id (SECREV-n)."),
    report_format: ReportFormat = typer.Option(ReportFormat.MARKDOWN, "--format", "-f", help="markdown or pdf."),
    out: Path | None = typer.Option(None, "--output", "-o", help="File to write (PDF needs one)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Export the review as a report: threat model, gaps, decisions and red-team summary."""
    from openaims.cli.records import actor_for, register_session
    from openaims.reports.security_review import build, to_markdown, to_pdf

    if report_format is ReportFormat.PDF and out is None:
        raise UsageError("--format pdf needs --output FILE")
    check_output(out)
    with register_session(database_url, write=False) as (session, _settings):
        built = build(session, actor_for(None), ref)
    data: str | bytes
    if report_format is ReportFormat.MARKDOWN:
        data = to_markdown(built)
    elif report_format is ReportFormat.PDF:
        data = to_pdf(built)
    else:
        assert_never(report_format)
    if out is None:
        typer.echo(data, nl=False)
        return
    write_file(out, data)
    console.print(f"Wrote {out}.", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
