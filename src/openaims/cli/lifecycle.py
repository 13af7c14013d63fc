"""``aims system gate`` and ``aims system move``: life-cycle gates from the command line.

``gate`` shows each entry criterion of a move as met, missing or not applicable with the
records behind it (exit 0 when the gate passes, 1 when a criterion is missing); ``move``
changes the stage through the gate, and with ``--override`` an AIMS manager moves past a gate
that does not pass, with the reason recorded and a follow-up nonconformity opened.
"""

from __future__ import annotations

import typing

import typer

from openaims.cli.console import console
from openaims.cli.records import (
    ActorOption,
    DatabaseOption,
    FormatOption,
    OutputFormat,
    _report_write,
    actor_for,
    print_json,
    register_session,
)
from openaims.register.services.systems import SystemService

if typing.TYPE_CHECKING:
    from openaims.register.lifecycle.gates import GateResult

_MARK = {"met": "met", "missing": "MISSING", "not-applicable": "n/a"}


def render_gate(result: GateResult, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
    elif fmt is OutputFormat.TABLE:
        gates = ", ".join(result.gates) or "none (no gate between these stages)"
        verdict = "passes" if result.passed else f"does not pass: {len(result.missing)} criterion(s) missing"
        console.print(
            f"{result.system_id}: {result.from_stage} -> {result.to_stage} (gates: {gates}) {verdict}",
            markup=False, soft_wrap=True,
        )  # fmt: skip
        for c in result.criteria:
            behind = f" [{', '.join(c.records)}]" if c.records else ""
            console.print(f"  {_MARK[c.state]:<7} {c.id}: {c.detail}{behind}", markup=False, soft_wrap=True)
            if c.remedy:
                console.print(f"          to meet it: {c.remedy}", markup=False, soft_wrap=True)
    else:
        typing.assert_never(fmt)


def system_extras(group: typer.Typer) -> None:
    @group.command("gate")
    def gate_cmd(
        system_id: str = typer.Argument(..., metavar="SYS-ID", help="The AI system, e.g. SYS-1."),
        *,
        to: str = typer.Option(..., "--to", metavar="STAGE", help="The stage it would move to."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Show each entry criterion of moving a system to a stage: met or missing, with the records
        behind it. Exit 0 when the gate passes, 1 when a criterion is missing."""
        with register_session(database_url, write=False) as (session, _settings):
            result = SystemService(session, actor_for(actor)).gate(system_id.strip(), to.strip())
        render_gate(result, fmt)
        if not result.passed:
            raise typer.Exit(1)

    @group.command("move")
    def move_cmd(
        system_id: str = typer.Argument(..., metavar="SYS-ID", help="The AI system, e.g. SYS-1."),
        *,
        to: str = typer.Option(..., "--to", metavar="STAGE", help="The stage to move it to."),
        override: str | None = typer.Option(
            None, "--override", metavar="REASON",
            help="Emergency: move past a gate that does not pass (AIMS manager only); the reason is recorded "
            "and a follow-up nonconformity is opened.",
        ),
        expected_version: int = typer.Option(..., "--version", help="The system's current version (see 'show')."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Move a system to another life-cycle stage through its gate (refused, exit 1, when a criterion
        is missing)."""  # fmt: skip
        with register_session(database_url, write=True) as (session, _settings):
            record = SystemService(session, actor_for(actor)).move(
                system_id.strip(), expected_version, to.strip(), override=override
            )
        _report_write("Moved", record, fmt)
        if override is not None and fmt is OutputFormat.TABLE and record.gate_overrides:
            last = record.gate_overrides[-1]
            console.print(f"gate overridden; follow-up {last.follow_up}", markup=False)
