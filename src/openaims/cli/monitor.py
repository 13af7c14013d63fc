"""``aims monitor``: monitoring plans of AI systems, evaluations of prediction batches, pushed
metrics, MLflow imports and where each system stands."""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

import typer

from openaims.cli.console import console
from openaims.errors import UsageError
from openaims.layout import Column, print_table

if TYPE_CHECKING:
    from openaims.register.monitoring import Outcome, SystemStatus
    from openaims.settings import Settings

monitor_app = typer.Typer(
    help="Monitor AI systems in operation: performance, fairness and drift against thresholds.",
    no_args_is_help=True,
)


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


DB_OPTION = typer.Option(None, "--database-url", envvar="AIMS_DATABASE_URL", help="Register database URL.")
ACTOR_OPTION = typer.Option(None, "--actor", envvar="AIMS_ACTOR", help="Who is acting (default: the OS user).")
FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT", help="Output format.")
AT_OPTION = typer.Option(
    None, "--at", help="When the values were measured (ISO 8601, e.g. 2026-05-04T09:30:00Z; default: now)."
)


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO 8601 date or date and time (UTC when it names no zone); UsageError otherwise."""
    if text is None:
        return None
    value = text.strip()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {text!r} is not a date and time such as 2026-05-04T09:30:00Z") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _evidence_dir(settings: Settings) -> Path | None:
    """Where breach evidence files go: the register's evidence folder, when it has one."""
    if settings.evidence_dir is None and not settings.is_sqlite:
        return None
    return settings.evidence_folder()


def _show_outcome(outcome: Outcome, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(outcome.to_json(), indent=2))
        return
    if output_format is not OutputFormat.TABLE:
        assert_never(output_format)
    columns = (
        Column("Metric"), Column("Column", drop=2), Column("Group", drop=1), Column("Value", justify="right"),
        Column("Level"), Column("Incident", drop=3),
    )  # fmt: skip
    rows = [
        (r.metric, r.feature or "", r.group or "", f"{r.value:.4g}", r.level, r.incident_id or "")
        for r in outcome.results
    ]
    print_table(console, columns, rows, title=f"Monitoring of {outcome.system_id} ({outcome.plan_id})")
    for note in outcome.notes:
        console.print(f"note: {note}", markup=False, soft_wrap=True)
    summary = (
        f"Recorded {len(outcome.results)} values: {len(outcome.breaches)} in breach, {len(outcome.warnings)} warnings."
    )
    console.print(summary, markup=False)
    for incident in outcome.incidents_opened:
        console.print(f"Opened incident {incident}.", markup=False)
    for incident in outcome.incidents_added_to:
        console.print(f"Added to open incident {incident}.", markup=False)


@monitor_app.command("plan")
def plan(
    system_id: str = typer.Argument(..., help="The AI system, e.g. SYS-3."),
    plan_file: Path = typer.Argument(..., help="The plan as YAML or JSON (title, owner, schedule, columns, metrics)."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Create a system's monitoring plan from a file, or change the plan in force to match it."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.services.monitoring_plans import MonitoringPlanService
    from openaims.untrusted import DEFAULT_LIMITS, read_text, read_yaml

    data = read_yaml(read_text(plan_file, DEFAULT_LIMITS), str(plan_file))
    if not isinstance(data, dict):
        raise UsageError(f"{plan_file}: a monitoring plan is a mapping (title, owner, schedule, columns, metrics)")
    with register_session(database_url, write=True) as (session, _settings):
        saved, created = MonitoringPlanService(session, actor_for(actor)).put_for_system(system_id, data)
    verb = "Created" if created else "Updated"
    console.print(f"{verb} {saved.id} for {saved.system_id}: {len(saved.metrics)} metrics, {saved.schedule}.",
                  markup=False)  # fmt: skip


@monitor_app.command("evaluate")
def evaluate(
    system_id: str = typer.Argument(..., help="The AI system, e.g. SYS-3."),
    predictions: Path = typer.Option(..., "--predictions", help="The batch of predictions (.csv or .parquet)."),
    reference: Path | None = typer.Option(None, "--reference", help="A reference batch to measure drift against."),
    at: str | None = AT_OPTION,
    output_format: OutputFormat = FORMAT_OPTION,
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Compute the plan's metrics on a batch of predictions and record them against its thresholds."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register import monitoring

    moment = parse_time(at)
    with register_session(database_url, write=True, scope="scan:push") as (session, settings):
        outcome = monitoring.evaluate(session, actor_for(actor), system_id, predictions, reference=reference,
                                      at=moment, evidence_dir=_evidence_dir(settings))  # fmt: skip
    _show_outcome(outcome, output_format)


@monitor_app.command("push")
def push(
    system_id: str = typer.Argument(..., help="The AI system, e.g. SYS-3."),
    metric: str = typer.Option(..., "--metric", help="A metric named in the system's monitoring plan."),
    value: float = typer.Option(..., "--value", help="The measured value."),
    at: str | None = AT_OPTION,
    group: str | None = typer.Option(None, "--group", help="The group the value is for (per-group metrics)."),
    output_format: OutputFormat = FORMAT_OPTION,
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Record a value computed elsewhere (latency, refusal rate, an offline evaluation...)."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register import monitoring

    moment = parse_time(at)
    with register_session(database_url, write=True, scope="scan:push") as (session, settings):
        outcome = monitoring.push(session, actor_for(actor), system_id, metric, value, at=moment, group=group,
                                  evidence_dir=_evidence_dir(settings))  # fmt: skip
    _show_outcome(outcome, output_format)


@monitor_app.command("review")
def review(
    system_id: str = typer.Argument(..., help="The AI system, e.g. SYS-3."),
    note: str = typer.Option(..., "--note", help="What the warnings showed and what was decided."),
    metric: str | None = typer.Option(None, "--metric", help="Only this metric's warnings (default: all)."),
    output_format: OutputFormat = FORMAT_OPTION,
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Record that you reviewed a system's unreviewed monitoring warnings, and what you concluded."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register import monitoring

    with register_session(database_url, write=True) as (session, _settings):
        done = monitoring.review_warnings(session, actor_for(actor), system_id, note, metric=metric)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(done.to_json(), indent=2))
        return
    if output_format is not OutputFormat.TABLE:
        assert_never(output_format)
    console.print(f"Reviewed {len(done.result_ids)} warning(s) of {done.system_id} ({', '.join(done.metrics)}) "
                  f"as {done.by}.", markup=False)  # fmt: skip


@monitor_app.command("import-mlflow")
def import_mlflow(
    system_id: str = typer.Argument(..., help="The AI system, e.g. SYS-3."),
    source: str = typer.Argument(
        ..., help="An MLflow tracking folder (mlruns, or one holding mlflow.db), an mlflow.db file, a tracking "
        "server URL, or runs:/RUN_ID (with --tracking-uri)."
    ),
    tracking_uri: str | None = typer.Option(
        None, "--tracking-uri", help="The store a runs:/RUN_ID source is read from (folder or server URL)."
    ),
    experiment: str | None = typer.Option(None, "--experiment", help="Read only this experiment's runs."),
    output_format: OutputFormat = FORMAT_OPTION,
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Record the plan's metrics logged in MLflow (key: the metric's mlflow_key, else its name), each
    at the time it was logged; values imported before are not recorded twice."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.monitoring_mlflow import import_mlflow as run_import

    with register_session(database_url, write=True, scope="scan:push") as (session, settings):
        outcome = run_import(session, actor_for(actor), system_id, source, tracking_uri=tracking_uri,
                             experiment=experiment, evidence_dir=_evidence_dir(settings))  # fmt: skip
    _show_outcome(outcome, output_format)


def _status_rows(items: list[SystemStatus]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for item in items:
        flags = item.level + (", overdue" if item.overdue else "")
        if item.unreviewed_warnings:
            flags += f", {item.unreviewed_warnings} warning(s) unreviewed"
        last = item.last_result_at.strftime("%Y-%m-%d %H:%M") if item.last_result_at else "never"
        rows.append((item.system_id, item.system_name, item.plan_id, item.schedule, flags, last,
                     ", ".join(item.open_incidents)))  # fmt: skip
    return rows


@monitor_app.command("status")
def status(
    system_id: str | None = typer.Argument(None, help="One AI system (default: every system with a plan)."),
    output_format: OutputFormat = FORMAT_OPTION,
    database_url: str | None = DB_OPTION,
) -> None:
    """Where each monitored system stands: breach, warning or ok, overdue, open breach incidents."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register import monitoring

    with register_session(database_url, write=False) as (session, _settings):
        items = monitoring.status(session, actor_for(None), system_id)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps([i.to_json() for i in items], indent=2))
        return
    if output_format is not OutputFormat.TABLE:
        assert_never(output_format)
    if not items:
        console.print("No AI system has a monitoring plan; add one with 'aims monitor plan SYS-ID PLAN.yaml'.",
                      markup=False)  # fmt: skip
        return
    columns = (
        Column("System"), Column("Name", drop=2), Column("Plan", drop=3), Column("Schedule", drop=4),
        Column("Status"), Column("Last result", drop=1), Column("Open incidents", drop=5),
    )  # fmt: skip
    print_table(console, columns, _status_rows(items), title="Monitoring")
    if system_id is not None and items:
        detail = (Column("Metric"), Column("Column", drop=2), Column("Group", drop=1),
                  Column("Value", justify="right"), Column("Level"), Column("At", drop=3))  # fmt: skip
        rows: list[tuple[Any, ...]] = [
            (x.metric, x.feature or "", x.group or "", f"{x.value:.4g}", x.level, x.at.strftime("%Y-%m-%d %H:%M"))
            for x in items[0].latest
        ]
        print_table(console, detail, rows, title="Latest values")


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")
