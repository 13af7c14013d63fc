"""``aims incident playbook``, ``aims incident step`` and ``aims incident raise-nonconformity``.

``playbook`` shows the steps of the incident's severity with who did each and when, what closing
still needs, and the EU AI Act Art. 73 report deadline of a serious incident; ``step`` records a
step as the signed-in person, now.
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
from openaims.register.services.incidents import IncidentOut, IncidentService


def playbook_view(service: IncidentService, incident: IncidentOut) -> dict[str, object]:
    """The incident's playbook, what closing needs and its report deadline, as plain data."""
    now = service.clock()
    due = service.deadline(incident)
    return {
        "incident": incident.id,
        "severity": incident.severity,
        "status": incident.status,
        "steps": [
            {"step": s.step.id, "title": s.step.title, "does": s.step.does,
             "done_by": s.done.by if s.done else None,
             "done_at": s.done.at.isoformat() if s.done else None,
             "note": s.done.note if s.done else None}
            for s in service.steps(incident)
        ],
        "to_close": service.missing_to_close(incident, incident.id) if incident.status != "closed" else [],
        "serious_incident": None if due is None else {
            "kind": due.kind.id, "source": due.kind.source, "days": due.kind.days,
            "aware_at": due.aware_at.isoformat(), "due_at": due.due_at.isoformat(),
            "reported_at": due.reported_at.isoformat() if due.reported_at else None,
            "overdue": due.overdue(now), "text": due.describe(now),
        },
    }  # fmt: skip


def print_deadline(service: IncidentService, incident: IncidentOut) -> None:
    due = service.deadline(incident)
    if due is not None:
        console.print(due.describe(service.clock()), markup=False, soft_wrap=True)


def incident_extras(group: typer.Typer) -> None:
    @group.command("playbook")
    def playbook_cmd(
        incident_id: str = typer.Argument(..., metavar="INC-ID", help="The incident, e.g. INC-1."),
        *,
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Show the playbook of an incident's severity: each step done (by whom, when) or to do, what
        closing still needs, and the EU AI Act Art. 73 report deadline of a serious incident."""
        with register_session(database_url, write=False) as (session, _settings):
            service = IncidentService(session, actor_for(actor))
            incident = service.get(incident_id.strip())
            view = playbook_view(service, incident)
        if fmt is OutputFormat.JSON:
            print_json(view)
        elif fmt is OutputFormat.TABLE:
            console.print(f"{incident.id} {incident.title} ({incident.severity}, {incident.status})", markup=False,
                          soft_wrap=True)  # fmt: skip
            for n, s in enumerate(typing.cast(list[dict[str, typing.Any]], view["steps"]), 1):
                if s["done_by"]:
                    state = f"done by {s['done_by']} at {s['done_at'][:16].replace('T', ' ')} UTC"
                    note = f": {s['note']}" if s["note"] else ""
                else:
                    state, note = "to do", f": {s['does']}"
                console.print(f"  {n}. {s['step']:<22} {state}{note}", markup=False, soft_wrap=True)
            for item in typing.cast(list[str], view["to_close"]):
                console.print(f"  to close: {item}", markup=False, soft_wrap=True)
            serious = typing.cast(dict[str, typing.Any] | None, view["serious_incident"])
            if serious is not None:
                console.print(serious["text"], markup=False, soft_wrap=True)
        else:
            typing.assert_never(fmt)

    @group.command("step")
    def step_cmd(
        incident_id: str = typer.Argument(..., metavar="INC-ID", help="The incident, e.g. INC-1."),
        step: str = typer.Argument(..., metavar="STEP", help="A step of its playbook (see 'aims incident playbook')."),
        *,
        note: str | None = typer.Option(
            None, "--note", help="What was done; fills the containment, communications, root cause or post-incident "
            "review of the step that records one.",
        ),
        authority: bool = typer.Option(
            False, "--authority", help="This notification is the EU AI Act Art. 73 report of the serious incident "
            "to the market surveillance authority (the time is recorded).",
        ),
        expected_version: int | None = typer.Option(
            None, "--version", help="The version you are changing (default: the current one)."
        ),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Record a playbook step of an incident as done by you, now (refused, exit 1, when the step's
        condition is not met)."""
        with register_session(database_url, write=True) as (session, _settings):
            service = IncidentService(session, actor_for(actor))
            current = service.get(incident_id.strip())
            version = current.version if expected_version is None else expected_version
            record = service.record_step(current.id, version, step, note=note, authority=authority)
        _report_write(f"Recorded {step.strip()} on", record, fmt)

    @group.command("raise-nonconformity")
    def raise_cmd(
        incident_id: str = typer.Argument(..., metavar="INC-ID", help="The incident, e.g. INC-1."),
        *,
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Open a nonconformity from an incident (its title, description, containment and root cause),
        linked both ways."""
        with register_session(database_url, write=True) as (session, _settings):
            raised = IncidentService(session, actor_for(actor)).raise_nonconformity(incident_id.strip())
        _report_write("Raised", raised, fmt)
