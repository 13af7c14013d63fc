"""``aims history``: verify the tamper-evident chain, show a record's timeline, browse the log."""

from __future__ import annotations

import datetime as dt
import typing

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from openaims.cli.console import console, err_console
from openaims.cli.records import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    print_json,
    register_session,
    render_value,
)
from openaims.errors import AimsError, UsageError
from openaims.register import history as chain

history_app = typer.Typer(help="The tamper-evident history of every register change.", no_args_is_help=True)


class ChainBrokenError(AimsError):
    """The history chain does not verify (exit 1)."""


def _event_json(event: chain.EventOut) -> dict[str, typing.Any]:
    data = event.model_dump(mode="json")
    data["changes"] = {k: {"before": b, "after": a} for k, (b, a) in event.changes().items()}
    return data


@history_app.command("verify")
def verify(database_url: str | None = DatabaseOption, fmt: OutputFormat = FormatOption) -> None:
    """Recompute the hash chain; exit 1 naming the first altered, deleted or reordered event."""
    with (
        register_session(database_url, write=False) as (session, _settings),
        Progress(
            TextColumn("verifying history"), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
        ) as bar,
    ):
        task = bar.add_task("verify", total=None)
        report = chain.verify(session, progress=lambda done, total: bar.update(task, completed=done, total=total))
    if fmt is OutputFormat.JSON:
        print_json(
            {
                "ok": report.ok,
                "events": report.events,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "first_at": report.first_at,
                "last_at": report.last_at,
                "problem": None if report.problem is None else {
                    "seq": report.problem.seq, "record_id": report.problem.record_id,
                    "action": report.problem.action, "at": report.problem.at, "reason": report.problem.reason,
                },
            }
        )  # fmt: skip
    elif fmt is OutputFormat.TABLE:
        if report.ok:
            span = f", {report.first_at} to {report.last_at}" if report.events else ""
            console.print(
                f"History intact: {report.events} event(s){span}; head {report.head_hash[:16]}...",
                markup=False,
                soft_wrap=True,
            )
    else:
        typing.assert_never(fmt)
    if report.problem is not None:
        raise ChainBrokenError(f"history chain broken at {report.problem.describe()}")


@history_app.command("show")
def show(
    record_id: str = typer.Argument(..., metavar="RECORD-ID", help="e.g. RISK-12"),
    *,
    database_url: str | None = DatabaseOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Every change to one record, oldest first: who, when, what changed."""
    record_id = record_id.strip()
    with register_session(database_url, write=False) as (session, _settings):
        events = chain.events_for(session, record_id)
    if not events:
        raise UsageError(f"no history for {record_id!r}; check the id with 'aims <record> list'")
    if fmt is OutputFormat.JSON:
        print_json([_event_json(e) for e in events])
    elif fmt is OutputFormat.TABLE:
        table = Table(title=f"History of {record_id}", title_justify="left")
        for column in ("#", "when (UTC)", "actor", "action", "changes"):
            table.add_column(column, overflow="fold")
        for event in events:
            changes = event.changes()
            if event.action == "create":
                summary = f"created ({len(event.after or {})} fields)"
            else:
                summary = "\n".join(
                    f"{k}: {render_value(b)} -> {render_value(a)}" for k, (b, a) in changes.items()
                )
            table.add_row(str(event.seq), f"{event.at:%Y-%m-%d %H:%M:%S}", event.actor, event.action, summary)
        console.print(table)
    else:
        typing.assert_never(fmt)


@history_app.command("log")
def log(
    *,
    actor: str | None = typer.Option(None, "--by", help="Only changes by this actor."),
    record_type: str | None = typer.Option(None, "--type", help="Only this record type, e.g. risk."),
    since: dt.datetime | None = typer.Option(None, "--since", help="From this UTC date/time."),
    until: dt.datetime | None = typer.Option(None, "--until", help="Before this UTC date/time."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    offset: int = typer.Option(0, "--offset", min=0),
    database_url: str | None = DatabaseOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """The newest changes across the register (the audit log)."""
    with register_session(database_url, write=False) as (session, _settings):
        page = chain.query(
            session,
            actor=actor,
            record_type=record_type,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
    if fmt is OutputFormat.JSON:
        print_json({"items": [_event_json(e) for e in page.items], "total": page.total,
                    "limit": page.limit, "offset": page.offset})  # fmt: skip
    elif fmt is OutputFormat.TABLE:
        table = Table(title=f"History ({len(page.items)} of {page.total})", title_justify="left")
        for column in ("#", "when (UTC)", "actor", "record", "action", "changed"):
            table.add_column(column, overflow="fold")
        for event in page.items:
            changed = ", ".join(event.changes()) if event.action != "create" else ""
            table.add_row(str(event.seq), f"{event.at:%Y-%m-%d %H:%M:%S}", event.actor, event.record_id,
                          event.action, changed)  # fmt: skip
        console.print(table)
    else:
        typing.assert_never(fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")
