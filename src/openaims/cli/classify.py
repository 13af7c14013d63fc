"""``aims classify``: EU AI Act classification of an AI system, guided or from an answers file."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, assert_never

import typer
import yaml
from rich.markup import escape
from rich.padding import Padding
from rich.prompt import Prompt
from rich.text import Text

from openaims.cli.console import console, plain
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.errors import AimsError, UsageError
from openaims.frameworks.euaiact.classifier import Classification, classify
from openaims.frameworks.euaiact.questionnaire import (
    NONE_CHOICE,
    UNKNOWN,
    Question,
    Questionnaire,
    coerce,
    is_unknown,
    load_questionnaire,
    read_answers,
)
from openaims.layout import Column, print_table
from openaims.register.services.classification import (
    reclassification_reason,
    store_classification,
    stored_classification,
)
from openaims.register.services.systems import SystemService


class ClassifyFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


# ---------------------------------------------------------------- questions


def _render_questions(qn: Questionnaire, fmt: ClassifyFormat) -> None:
    data = {"version": qn.version, "questions": [q.to_dict() for q in qn.questions]}
    if fmt is ClassifyFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif fmt is ClassifyFormat.YAML:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110), nl=False)
    elif fmt is ClassifyFormat.TABLE:
        console.print(Text(f"EU AI Act classification questions (version {qn.version})", style="bold"))
        for q in qn.questions:
            kind = {"bool": "yes/no", "number": "a number"}.get(q.type, q.type)
            if q.choices:
                kind = f"{'one' if q.type == 'choice' else 'any'} of {len(q.choices)} choices"
            console.print()
            console.print(Text.assemble((q.id, "bold"), f"  ({kind})"))
            console.print(Padding(plain(q.text), (0, 0, 0, 2), expand=False))
            if q.when:
                console.print(Padding(Text(f"Asked when {q.when.describe()}", style="dim"), (0, 0, 0, 2), expand=False))
        console.print()
        console.print("Choice ids: aims classify --questions --format yaml", style="dim")
    else:
        assert_never(fmt)


# ---------------------------------------------------------------- answers


def _ask(q: Question) -> Any:
    """Prompt until the answer fits the question."""
    if q.help:
        console.print(escape(q.help), style="dim")
    while True:
        try:
            if q.type == "bool":
                text = Prompt.ask(f"{escape(q.text)} [dim](yes, no, or ? for don't know)[/]", console=console)
                return coerce(q, text)
            if q.type == "number":
                raw: Any = Prompt.ask(escape(q.text), console=console, default="", show_default=False)
            else:
                for n, choice in enumerate(q.choices, 1):
                    console.print(f"  {n:>2}. {escape(choice.label)}")
                hint = "number" if q.type == "choice" else "numbers separated by commas, 'none', or ? for don't know"
                text = Prompt.ask(f"{escape(q.text)} [dim]({hint})[/]", console=console)
                raw = _pick(q, text)
            return coerce(q, raw)
        except ValueError as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
        except EOFError:
            raise UsageError(
                "input ended before the questionnaire was complete; use --answers FILE for scripted use"
            ) from None


def _pick(q: Question, text: str) -> Any:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    ids = [c.id for c in q.choices]
    chosen: list[str] = []
    if len(parts) == 1 and is_unknown(parts[0]):
        return UNKNOWN
    for part in parts:
        if part.lower() == NONE_CHOICE:
            chosen.append(NONE_CHOICE)
        elif part.isdigit() and 1 <= int(part) <= len(ids):
            chosen.append(ids[int(part) - 1])
        else:
            chosen.append(part)
    if q.type == "choice":
        if len(chosen) != 1:
            raise ValueError("choose exactly one")
        return chosen[0]
    return chosen


def _interview(qn: Questionnaire) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    section = None
    for q in qn.questions:
        if not qn.applies(q, answers):
            continue
        if q.section != section:
            section = q.section
            console.rule(escape(section))
        value = _ask(q)
        if value is not None:
            answers[q.id] = value
    return answers


# ---------------------------------------------------------------- outcome


def _render_outcome(outcome: Classification, fmt: ClassifyFormat, extra: Mapping[str, Any]) -> None:
    data = {**extra, **outcome.to_dict()}
    if fmt is ClassifyFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif fmt is ClassifyFormat.YAML:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110), nl=False)
    elif fmt is ClassifyFormat.TABLE:
        if extra.get("system"):
            console.print(f"[bold]{escape(str(extra['system']))}[/]")
        if outcome.needs_legal_review:
            console.print("Outcome: [bold]needs legal review[/] (no tier is given for answers marked don't know)")
            for q in outcome.open_questions:
                console.print(f"  - {escape(q.text)} [dim]({escape(q.id)}; {escape(q.basis)})[/]")
        else:
            console.print(f"Tier: [bold]{', '.join(outcome.tiers)}[/]")
        console.print(f"Role: {', '.join(r.replace('_', ' ') for r in outcome.roles) or 'none'}")
        rows = []
        for o in outcome.obligations:
            when = o.applies_from.isoformat() + (" (in force)" if o.in_application else "")
            if o.original_date:
                when += f", was {o.original_date.isoformat()}"
            basis = o.basis + (f" [{o.date_note}]" if o.date_note else "")
            label = o.label + (f" ({', '.join(o.paragraphs)})" if o.paragraphs else "")
            rows.append((label, ", ".join(o.roles), when, o.title, f"Date: {basis}"))
        columns = (
            Column("Article", min_width=12),
            Column("Who", min_width=10),
            Column("Applies from", min_width=12),
            Column("Duty", under=True, wrap=True, style="none"),
            Column("Basis of the date", under=True, wrap=True),
        )
        print_table(console, columns, rows, title=f"Articles that apply (as of {outcome.decided_on.isoformat()})")
        console.print("[bold]Reasoning[/]")
        for r in outcome.reasons:
            console.print(f"  - {escape(r.text)} [dim]({escape(r.article)})[/]")
        if extra.get("stored"):
            console.print(f"Stored on {extra['system']} by {extra['answered_by']} at {extra['answered_at']}.")
        elif extra.get("system"):
            console.print("Not stored (--no-store).", style="dim")
    else:
        assert_never(fmt)


def _check_stored(system_id: str | None, fmt: ClassifyFormat, database_url: str | None, actor: str | None) -> None:
    if system_id is None:
        raise UsageError("--check needs the AI system id, e.g. aims classify SYS-3 --check")
    with register_session(database_url, write=False) as (session, _):
        system = SystemService(session, actor_for(actor)).get(system_id)
    reason = reclassification_reason(system)
    if reason is not None:
        raise AimsError(f"{reason}; run 'aims classify {system_id}'")
    stored = stored_classification(system) or {}
    outcome = stored.get("classification", {})
    data = {"system": system_id, "current": True, "answered_by": stored.get("answered_by"),
            "answered_at": stored.get("answered_at"), "tiers": outcome.get("tiers"),
            "roles": outcome.get("roles"), "articles": outcome.get("articles")}  # fmt: skip
    if fmt is ClassifyFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif fmt is ClassifyFormat.YAML:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110), nl=False)
    elif fmt is ClassifyFormat.TABLE:
        console.print(
            f"{system_id}: classification is current ({', '.join(data['tiers'] or [])}); answered by "
            f"{data['answered_by']} at {data['answered_at']}."
        )
    else:
        assert_never(fmt)


def classify_command(
    system_id: str | None = typer.Argument(None, help="The AI system to classify, e.g. SYS-3."),
    questions: bool = typer.Option(False, "--questions", help="List the questions with their ids and exit."),
    check: bool = typer.Option(
        False, "--check", help="Show the stored classification; exit 1 if the system must be (re)classified."
    ),
    answers_file: Path | None = typer.Option(
        None, "--answers", envvar="AIMS_CLASSIFY_ANSWERS", help="YAML file mapping question ids to answers."
    ),
    store: bool = typer.Option(
        True, "--store/--no-store", envvar="AIMS_CLASSIFY_STORE", help="Store the outcome on the AI system."
    ),
    today: str | None = typer.Option(
        None, "--date", envvar="AIMS_CLASSIFY_DATE", help="Decide as of this day (YYYY-MM-DD; default today)."
    ),
    output_format: ClassifyFormat = typer.Option(
        ClassifyFormat.TABLE,
        "--format",
        "-f",
        envvar="AIMS_CLASSIFY_FORMAT",
        help="Output format: table, json or yaml.",
    ),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Classify an AI system under the EU AI Act: guided questions, or --answers FILE for scripts.

    The outcome (tiers, role, articles, dates and reasoning) is stored on the system with who
    answered and when. Exit 0 on success, 2 for bad input.
    """
    qn = load_questionnaire()
    if questions:
        _render_questions(qn, output_format)
        return
    if check:
        _check_stored(system_id, output_format, database_url, actor)
        return
    if system_id is None and store:
        raise UsageError("give the AI system id (e.g. aims classify SYS-3), or --no-store to only compute")
    try:
        day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise UsageError(f"--date {today!r} is not a date like 2026-08-02") from None
    if system_id is not None and store:
        with register_session(database_url, write=False) as (session, _):
            system = SystemService(session, actor_for(actor)).get(system_id)  # fail early on an unknown id
        reason = reclassification_reason(system)
        if reason and output_format is ClassifyFormat.TABLE and answers_file is None:
            console.print(f"Classifying because {escape(reason)}.", style="dim")
    raw = read_answers(answers_file) if answers_file is not None else _interview(qn)
    outcome = classify(raw, today=day, questionnaire=qn)
    extra: dict[str, Any] = {"system": system_id, "stored": False}
    if system_id is not None and store:
        with register_session(database_url, write=True) as (session, _):
            who = actor_for(actor)
            saved = store_classification(SystemService(session, who), system_id, outcome, answered_by=who.name)
            extra.update(
                stored=True,
                answered_by=saved.eu_ai_act["answered_by"],
                answered_at=saved.eu_ai_act["answered_at"],
                version=saved.version,
            )
    _render_outcome(outcome, output_format, extra)


def register(app: typer.Typer) -> None:
    app.command("classify")(classify_command)


__all__ = ["register"]
