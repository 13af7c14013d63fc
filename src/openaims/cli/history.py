"""``aims history``: verify the tamper-evident chain, show a record's timeline, browse the log."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from openaims.cli.console import check_output, console, err_console, write_file
from openaims.cli.records import (
    ActorOption,
    DatabaseOption,
    FormatOption,
    OutputFormat,
    print_json,
    register_session,
    render_value,
    settings_for,
    signer_name,
)
from openaims.errors import AimsError, UsageError
from openaims.layout import Column, print_table
from openaims.register import RegisterDamagedError
from openaims.register import history as chain

if typing.TYPE_CHECKING:  # the verifiers and the key are imported by the commands that use them
    from openaims.register import checkpoints as signed
    from openaims.register import integrity

history_app = typer.Typer(help="The tamper-evident history of every register change.", no_args_is_help=True)


class ChainBrokenError(AimsError):
    """The register does not match its history, or the history does not verify (exit 1)."""


def _event_json(event: chain.EventOut) -> dict[str, typing.Any]:
    data = event.model_dump(mode="json")
    data["changes"] = {k: {"before": b, "after": a} for k, (b, a) in event.changes().items()}
    return data


CheckpointOption = typer.Option(
    None,
    "--checkpoint",
    help="Signed checkpoint file from 'aims history checkpoint' (repeatable): proves nothing before it was "
    "rebuilt.",
)
PublicKeyOption = typer.Option(
    None,
    "--public-key",
    envvar="AIMS_PUBLIC_KEY_FILE",
    help="Public key that signed the checkpoints (default: the organisation key, AIMS_KEY_FILE).",
)
_SHOWN_FINDINGS = 20

#: History tables on a narrow terminal: what changed goes under its row.
_SHOW_COLUMNS = (
    Column("#", justify="right"),
    Column("when (UTC)"),
    Column("actor", min_width=10),
    Column("action", min_width=16),
    Column("changes", under=True, wrap=True),
)
_LOG_COLUMNS = (
    Column("#", justify="right"),
    Column("when (UTC)"),
    Column("actor", min_width=10),
    Column("record", min_width=12),
    Column("action", min_width=12),
    Column("changed", under=True, wrap=True),
)


def _open_damaged(exc: RegisterDamagedError) -> typing.NoReturn:
    raise ChainBrokenError(f"{exc.message}; restore the register from a backup ('aims restore')") from None


def _render_report(report: integrity.IntegrityReport) -> None:
    from openaims.register import integrity

    chain_report = report.chain
    if report.ok and chain_report is not None:
        span = f", {chain_report.first_at} to {chain_report.last_at}" if chain_report.events else ""
        console.print(
            f"History intact: {chain_report.events} event(s){span}; head {chain_report.head_hash[:16]}...",
            markup=False,
            soft_wrap=True,
        )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("area", style="bold")
    table.add_column("result")
    table.add_column("checked", overflow="fold")
    for area in report.areas:
        if area.findings:
            result = f"[red]{area.findings} problem(s)[/red]"
        elif area.skipped:
            result = "[yellow]not checked[/yellow]"
        elif area.summary == integrity.NONE_GIVEN:
            result = "-"
        else:
            result = "[green]ok[/green]"
        table.add_row(area.area.capitalize(), result, escape(area.summary))
    console.print(table)
    if report.findings:
        console.print()
        for finding in report.findings[:_SHOWN_FINDINGS]:
            console.print(f"- {finding.describe()}", markup=False, highlight=False, soft_wrap=True)
        hidden = len(report.findings) - _SHOWN_FINDINGS
        if hidden > 0:
            console.print(f"... and {hidden} more (--format json lists them all)", markup=False)


def _error_line(report: integrity.IntegrityReport) -> str:
    chain_report = report.chain
    if chain_report is not None and chain_report.problem is not None:
        first = f"history chain broken at {chain_report.problem.describe()}"
    else:
        finding = report.findings[0]
        first = f"{finding.describe()}"
    more = len(report.findings) - 1
    return first + (f" (and {more} more problem(s) listed above)" if more > 0 else "")


@history_app.command("verify")
def verify(
    checkpoint: list[Path] | None = CheckpointOption,
    public_key: Path | None = PublicKeyOption,
    database_url: str | None = DatabaseOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Check the register against its history: exit 1 naming every altered event, record or account.

    Checks the hash chain, each record's row against its last event, accounts and API
    tokens against theirs, the database file itself, and any signed checkpoints.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from openaims.register import checkpoints as signed
    from openaims.register import integrity, keys

    settings = settings_for(database_url)
    checkpoints: list[signed.Checkpoint] = []
    if checkpoint:
        trusted = keys.trusted_public_key(public_key, settings.key_path(), passphrase=settings.key_passphrase or None)
        checkpoints = [signed.read_checkpoint(path, trusted) for path in checkpoint]
    try:
        opened = register_session(database_url, write=False)
        with (
            opened as (session, _settings),
            Progress(
                TextColumn("verifying history"), BarColumn(), MofNCompleteColumn(), console=err_console,
                transient=True, disable=not err_console.is_terminal,
            ) as bar,
        ):  # fmt: skip
            task = bar.add_task("verify", total=None)
            report = integrity.verify_register(
                session,
                checkpoints=checkpoints,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except RegisterDamagedError as exc:
        _open_damaged(exc)
    if fmt is OutputFormat.JSON:
        chain_report = report.chain
        problem = chain_report.problem if chain_report is not None else None
        print_json(
            {
                "ok": report.ok,
                "events": chain_report.events if chain_report else None,
                "head_seq": chain_report.head_seq if chain_report else None,
                "head_hash": chain_report.head_hash if chain_report else None,
                "first_at": chain_report.first_at if chain_report else None,
                "last_at": chain_report.last_at if chain_report else None,
                "problem": None if problem is None else {
                    "seq": problem.seq, "record_id": problem.record_id,
                    "action": problem.action, "at": problem.at, "reason": problem.reason,
                },
                "areas": [
                    {"area": a.area, "ok": a.ok, "summary": a.summary, "problems": a.findings, "checked": not a.skipped}
                    for a in report.areas
                ],
                "findings": [{"area": f.area, "subject": f.subject, "message": f.message} for f in report.findings],
            }
        )  # fmt: skip
    elif fmt is OutputFormat.TABLE:
        _render_report(report)
    else:
        typing.assert_never(fmt)
    if not report.ok:
        raise ChainBrokenError(_error_line(report))


@history_app.command("checkpoint")
def checkpoint(
    output: str = typer.Option(..., "--output", "-o", help="File to write the signed checkpoint to ('-': print it)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Sign the head of the history with the organisation key; keep the file outside the database."""
    from openaims.register import checkpoints as signed
    from openaims.register import keys

    settings = settings_for(database_url)
    path = None if output == "-" else Path(output)
    if path is not None:
        check_output(path)
        if path.exists() and not force:
            raise UsageError(f"{path} exists; checkpoints are kept, not replaced (give --force to replace it)")
    key = keys.load_key(settings.key_path(), passphrase=settings.key_passphrase or None)
    with register_session(database_url, write=False) as (session, _settings):
        document = signed.make_checkpoint(session, key, actor=signer_name(actor))
    data = signed.dump(document)
    payload = document["payload"]
    if path is None:
        console.print(data, markup=False, highlight=False, end="", soft_wrap=True)
        return
    write_file(path, data)
    console.print(
        f"Signed the history up to event #{payload['seq']} (head {str(payload['hash'])[:16]}...) with key "
        f"{key.key_id} in {path}. Keep it where the database's users cannot change it (commit it to git, or "
        "'aims evidence add-file' it); check later with 'aims history verify --checkpoint "
        f"{path}'.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


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
        rows = []
        for event in events:
            changes = event.changes()
            if event.action == "create":
                summary = f"created ({len(event.after or {})} fields)"
            else:
                summary = "; ".join(f"{k}: {render_value(b)} -> {render_value(a)}" for k, (b, a) in changes.items())
            rows.append((str(event.seq), f"{event.at:%Y-%m-%d %H:%M:%S}", event.actor, event.action, summary))
        print_table(console, _SHOW_COLUMNS, rows, title=f"History of {record_id}")
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
        rows = [
            (str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.record_id, e.action,
             ", ".join(e.changes()) if e.action != "create" else "")
            for e in page.items
        ]  # fmt: skip
        print_table(console, _LOG_COLUMNS, rows, title=f"History ({len(page.items)} of {page.total})")
    else:
        typing.assert_never(fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")
