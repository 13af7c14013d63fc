"""``aims readiness``: conformance computed from the register, per clause and control."""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path
from typing import Any, assert_never

import typer
from jinja2 import Environment
from rich.markup import escape
from rich.text import Text

from openaims.cli.console import check_output, console, err_console, write_file
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, current_identity, register_session
from openaims.errors import UsageError
from openaims.layout import Column, print_table
from openaims.readiness.engine import View, readiness
from openaims.readiness.model import SCORE_BASIS, Report, Status
from openaims.readiness.runs import StoredRun, last_run
from openaims.readiness.runs import remember as remember_run
from openaims.untrusted import InputError, Limits, read_bytes, read_json

MAX_PREVIOUS_BYTES = 20_000_000
_STYLE = {Status.MET: "green", Status.PARTIAL: "yellow", Status.MISSING: "red", Status.NOT_APPLICABLE: "dim"}

_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AIMS readiness {{ r.as_of }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #d9e2ec;padding:.4rem;text-align:left;vertical-align:top}
.met{color:#127a3a}.partial{color:#a86400}.missing{color:#b42318}.not_applicable{color:#7b8794}
</style></head><body>
<h1>AI management system readiness ({{ view }})</h1>
<p>As of {{ r.as_of }} &middot; score {{ score }}% &middot; rules {{ r.rules_version }}</p>
<p>Score: {{ r.score_basis }}.</p>
<table><tr><th>Group</th>{% for s in statuses %}<th>{{ s }}</th>{% endfor %}</tr>
{% for g, counts in groups.items() %}<tr><td>{{ g }}</td>
{% for s in statuses %}<td>{{ counts[s] }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% if r.changes %}<h2>Changed since the previous run</h2><ul>
{% for c in r.changes %}<li>{{ c.id }}: {{ c["from"] }} &rarr; {{ c.to }}</li>{% endfor %}</ul>{% endif %}
<h2>Items</h2><table><tr><th>Item</th><th>Status</th><th>Reasons</th><th>Records</th></tr>
{% for i in r.items %}<tr><td><strong>{{ i.id }}</strong> {{ i.title }}</td>
<td class="{{ i.status.value }}">{{ i.status.value }}</td>
<td><ul>{% for reason in i.reasons %}<li>{{ reason }}</li>{% endfor %}</ul></td>
<td>{{ i.links | join(", ") }}</td></tr>
{% endfor %}</table></body></html>
"""
)


class ReadinessFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


class Framework(enum.StrEnum):
    ISO42001 = "iso42001"
    NIST_AI_RMF = "nist-ai-rmf"
    EU_AI_ACT = "eu-ai-act"


def _previous(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"previous report {path} does not exist")
    limits = Limits(max_bytes=MAX_PREVIOUS_BYTES, max_depth=16, max_elements=2_000_000)
    try:
        data = read_json(read_bytes(path, limits), str(path), limits=limits)
    except InputError as exc:
        raise UsageError(f"previous report {exc.message} (give a report written by 'aims readiness -f json')") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise UsageError(f"previous report {path} is not a JSON readiness report")
    return data


_ITEM_COLUMNS = (
    Column("Item", min_width=30),
    Column("Status"),
    Column("Reasons", under=True, wrap=True, style="none"),
    Column("Records", under=True, wrap=True),
)


def _table(report: Report) -> None:
    rows = [
        (
            f"{item.id} {item.title}",
            Text(item.status.value, style=_STYLE[item.status]),
            "; ".join(item.reasons),
            ("Records: " + ", ".join(item.links[:8]) + (" ..." if len(item.links) > 8 else "")) if item.links else "",
        )
        for item in report.items
    ]
    print_table(console, _ITEM_COLUMNS, rows, title=f"Readiness ({report.view}) as of {report.as_of.isoformat()}")
    console.print()
    statuses = [s.value.replace("_", " ") for s in Status]
    summary = [(group, *(str(counts[s.value]) for s in Status)) for group, counts in report.groups().items()]
    columns = (Column("Group", min_width=16), *(Column(name, justify="right") for name in statuses))
    print_table(console, columns, summary, title="By group")
    for change in report.changes:
        console.print(f"Changed: {change['id']} {change['from']} -> {change['to']}")
    totals = report.totals()
    console.print(
        f"Score {report.score()}%: {totals['met']} met, {totals['partial']} partial, "
        f"{totals['missing']} missing, {totals['not_applicable']} not applicable."
    )
    console.print(f"Score: {SCORE_BASIS}.", style="dim")


def readiness_command(
    output_format: ReadinessFormat = typer.Option(
        ReadinessFormat.TABLE,
        "--format",
        "-f",
        envvar="AIMS_READINESS_FORMAT",
        help="Output format: table, json or html.",
    ),
    framework: Framework = typer.Option(
        Framework.ISO42001, "--framework", envvar="AIMS_READINESS_FRAMEWORK", help="Which framework's view."
    ),
    since: Path | None = typer.Option(
        None, "--since", envvar="AIMS_READINESS_SINCE", help="A previous JSON report: list what changed."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    today: str | None = typer.Option(
        None, "--date", envvar="AIMS_READINESS_DATE", help="Evaluate as of this day (YYYY-MM-DD)."
    ),
    remember: bool = typer.Option(
        True,
        "--remember/--no-remember",
        envvar="AIMS_READINESS_REMEMBER",
        help="Store this run in the register. Without --since, changes are listed against the last stored run.",
    ),
    stage1: Path | None = typer.Option(
        None,
        "--stage1",
        envvar="AIMS_READINESS_STAGE1",
        help="Write the Stage 1 readiness report (scope, documents, SoA, readiness per clause with its records, "
        "gaps, sign-off) to FILE.html, FILE.pdf or FILE.docx.",
    ),
    stage2: str | None = typer.Option(
        None,
        "--stage2",
        help="For this clause or Annex A control (6.1.2, A.6.2.4): write the Stage 2 sampling list and working "
        "paper (each sampled record with its content and evidence) to -o FILE.pdf, FILE.docx or FILE.md.",
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="With --stage2: the seed of the random sample (default: a new one, printed in the paper)."
    ),
    sample: int | None = typer.Option(
        None,
        "--sample",
        help="With --stage2: how many records to draw (default: all up to 5; 5 of up to 50; 10 of up to 250; 25).",
    ),
    organisation: str = typer.Option(
        "Our organisation", "--organisation", envvar="AIMS_ORGANISATION", help="Organisation name on the report."
    ),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Readiness of every ISO/IEC 42001 clause and Annex A control, computed from the register.

    Each item is met, partial, missing or not applicable, with reasons and the records that prove it.
    """
    try:
        day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise UsageError(f"--date {today!r} is not a date like 2026-08-02") from None
    if stage2 is not None:
        _write_stage2(stage2, output, seed, sample, database_url, actor, day, organisation)
        return
    if seed is not None or sample is not None:
        raise UsageError("--seed and --sample go with --stage2 CLAUSE-OR-CONTROL")
    if output_format is ReadinessFormat.TABLE and output is not None and stage1 is None:
        raise UsageError("--output needs --format json or html")
    check_output(output)
    previous = _previous(since)
    view: View = framework.value
    if stage1 is not None:
        _write_stage1(stage1, database_url, actor, day, organisation)
        return
    compared: StoredRun | None = None
    if remember:
        with register_session(database_url, write=False) as _:
            remember = current_identity().can_write
        if not remember:
            err_console.print(
                "aims: this run is not stored: the register has accounts and nobody is signed in "
                "('aims login' to remember runs).",
                markup=False,
                soft_wrap=True,
            )
    with register_session(database_url, write=remember) as (session, _):
        if previous is None:
            compared = last_run(session, view)
            previous = compared.report if compared is not None else None
        report = readiness(session, actor_for(actor), today=day, view=view, previous=previous)
        if remember:
            remember_run(session, actor_for(actor), report)
    if output_format is ReadinessFormat.TABLE:
        _table(report)
        if compared is not None:
            console.print(f"Changes are against {escape(compared.describe())}.")
        return
    if output_format is ReadinessFormat.JSON:
        data = report.to_dict()
        data["compared_with"] = compared.to_dict() if compared is not None else None
        text = json.dumps(data, indent=2, ensure_ascii=False)
    elif output_format is ReadinessFormat.HTML:
        statuses = [s.value for s in Status]
        text = _HTML.render(r=report, view=report.view, score=report.score(), groups=report.groups(), statuses=statuses)
    else:
        assert_never(output_format)
    if output is not None:
        write_file(output, text + "\n")
        console.print(f"Wrote {output}")
    else:
        typer.echo(text)


def _write_stage1(target: Path, database_url: str | None, actor: str | None, day: dt.date, organisation: str) -> None:
    from openaims.reports import stage1

    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf", ".docx"):
        raise UsageError(f"--stage1 {target}: name a .html, .pdf or .docx file")
    if not target.parent.is_dir():
        raise UsageError(f"--stage1 {target}: the folder {target.parent} does not exist")
    with register_session(database_url, write=False) as (session, settings):
        report = stage1.build_stage1(
            session, actor_for(actor), today=day, organisation=organisation, evidence_dir=settings.evidence_folder
        )
    if suffix == ".pdf":
        write_file(target, stage1.to_pdf(report))
    elif suffix == ".docx":
        write_file(target, stage1.to_docx(report))
    else:
        write_file(target, stage1.to_html(report))
    totals = report.presence_totals()
    console.print(
        f"Wrote {escape(str(target))}: {totals['found']} documented-information items found, "
        f"{totals['incomplete']} incomplete, {totals['missing']} missing; readiness score {report.readiness.score()}%."
    )


def _write_stage2(
    item: str, target: Path | None, seed: int | None, size: int | None, database_url: str | None,
    actor: str | None, day: dt.date, organisation: str,
) -> None:  # fmt: skip
    from openaims.readiness.engine import evaluate
    from openaims.readiness.snapshot import load_snapshot
    from openaims.reports import stage2
    from openaims.reports.document import DocFormat, render

    formats = {".pdf": DocFormat.PDF, ".docx": DocFormat.DOCX, ".md": DocFormat.MD}
    if target is None:
        raise UsageError(f"--stage2 {item}: give the file to write with -o FILE.pdf, FILE.docx or FILE.md")
    fmt = formats.get(target.suffix.lower())
    if fmt is None:
        raise UsageError(f"-o {target}: name a .pdf, .docx or .md file for the Stage 2 working paper")
    check_output(target)
    with register_session(database_url, write=False) as (session, settings):
        acting = actor_for(actor)
        snap = load_snapshot(session, acting, today=day, evidence_dir=settings.evidence_folder)
    result = stage2.plan(
        snap, evaluate(snap), item, organisation=organisation, seed=seed, size=size, author=acting.name
    )
    write_file(target, render(stage2.to_document(result), fmt))
    drawn = (
        f"all {len(result.population)} records"
        if result.method == "all"
        else f"{result.size} of {len(result.population)} records drawn with seed {result.seed}"
    )
    console.print(
        f"Wrote {escape(str(target))}: {result.item.id} {escape(result.item.title)} ({result.item.status.value}), "
        f"{drawn}; the same sample again: {escape(stage2.rerun_command(result))}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("readiness")(readiness_command)


__all__ = ["register"]
