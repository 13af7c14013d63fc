"""``aims kpi``: key performance indicators computed from the register, tracked by objectives."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import assert_never

import typer

from openaims.cli.console import console
from openaims.errors import UsageError
from openaims.layout import Column, print_table

kpi_app = typer.Typer(
    help="KPIs computed from the register: see them, track one with an objective, record today's values.",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(None, "--database-url", envvar="AIMS_DATABASE_URL", help="Register database URL.")
ACTOR_OPTION = typer.Option(None, "--actor", envvar="AIMS_ACTOR", help="Who is acting (default: the OS user).")


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT", help="Output format.")


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{text!r} is not a date such as 2026-06-30") from None


@kpi_app.command("list")
def list_kpis(
    output_format: OutputFormat = FORMAT_OPTION,
    database_url: str | None = DB_OPTION,
) -> None:
    """Every KPI as the register stands now, its target, and the objective tracking it."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.kpis import kpi_status

    with register_session(database_url, write=False) as (session, _settings):
        rows = kpi_status(session, actor_for(None), today=dt.datetime.now(dt.UTC).date())
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    if output_format is not OutputFormat.TABLE:
        assert_never(output_format)
    table = [(r.kpi.key, r.kpi.title, r.kpi.shown, r.target_text, r.verdict, r.objective_id or "not tracked")
             for r in rows]  # fmt: skip
    columns = (Column("KPI"), Column("What", wrap=True, drop=1), Column("Now", justify="right"), Column("Target"),
               Column("Status"), Column("Objective"))  # fmt: skip
    print_table(console, columns, table, title="KPIs computed from the register")


@kpi_app.command("track")
def track(
    key: str = typer.Argument(..., help="The KPI, e.g. impact_current (see 'aims kpi list')."),
    owner: str = typer.Option(..., "--owner", help="Who owns the objective."),
    due: str = typer.Option(..., "--due", help="When the target is to be met (YYYY-MM-DD)."),
    target: float | None = typer.Option(None, "--target", help="The target (default: the KPI's own)."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Make an active objective of a KPI, measured from the register from now on."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.kpis import track_kpi

    due_date = _day(due)
    assert due_date is not None
    with register_session(database_url, write=True) as (session, _settings):
        objective, recorded = track_kpi(session, actor_for(actor), key, owner=owner, due_date=due_date,
                                        target=target, today=dt.datetime.now(dt.UTC).date())  # fmt: skip
    console.print(f"{objective.id} tracks {key}: {objective.title}, target {objective.direction.replace('_', ' ')} "
                  f"{objective.target_value:g}{'' if objective.unit == '%' else ' '}{objective.unit or ''}"
                  + (f"; first value recorded as {recorded[0]}." if recorded else "."), markup=False)  # fmt: skip


@kpi_app.command("record")
def record(
    on: str | None = typer.Option(None, "--date", help="The day to record (default: today)."),
    database_url: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Record today's value of every KPI an active objective tracks (once a day; run it from a scheduler)."""
    from openaims.cli.records import actor_for, register_session
    from openaims.register.kpis import kpi_status, record_kpi_measurements

    day = _day(on) or dt.datetime.now(dt.UTC).date()
    with register_session(database_url, write=True) as (session, _settings):
        who = actor_for(actor)
        recorded = record_kpi_measurements(session, who, today=day)
        rows = [r for r in kpi_status(session, who, today=day) if r.objective_id]
    if not rows:
        console.print("No active objective tracks a KPI; start with 'aims kpi track KEY --owner ... --due ...'.",
                      markup=False)  # fmt: skip
        return
    console.print(f"Recorded {len(recorded)} measurement(s) for {day}" + (f": {', '.join(recorded)}." if recorded
                  else " (already recorded today)."), markup=False)  # fmt: skip
    for r in rows:
        flag = " MISSED" if r.met is False else ""
        console.print(f"  {r.objective_id} {r.kpi.key}: {r.kpi.shown} (target {r.target_text}){flag}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(kpi_app, name="kpi")
