"""AI incidents: detection, classification, containment, communications, review [A.8.4].

Each incident follows the playbook of its severity (:mod:`openaims.register.playbooks`): its
steps are recorded by the signed-in person, with the time, through :meth:`IncidentService.record_step`;
closing checks what the playbook requires (for a high or critical incident by default:
containment, a root cause, a post-incident review of substance, and a linked nonconformity or a
recorded reason). A serious incident under the EU AI Act has its Art. 73 report deadline computed
from the time of awareness.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from openaims.errors import UsageError
from openaims.register.errors import FieldProblem, RecordValidationError, RuleViolationError
from openaims.register.models.incidents import Incident
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import RecordId, Short, Text, Title, closed

if TYPE_CHECKING:
    from openaims.register.playbooks.model import Playbook, Playbooks, ReportDeadline, Step
    from openaims.register.services.nonconformities import NonconformityOut

_StepId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]


class StepRecord(BaseModel):
    """A playbook step done: by whom (the signed-in person) and when, with what they noted."""

    model_config = ConfigDict(extra="forbid")

    by: str
    at: dt.datetime
    note: str | None = None


class IncidentFields(RecordFields):
    """An incident with the systems it affected and what was done about it."""

    title: Title
    description: Text = None
    detected_at: dt.datetime | None = None
    detected_by: Short = None
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    category: Short = None
    system_ids: list[RecordId] = []
    containment: Text = None
    communications: Text = None
    root_cause: Text = None
    post_incident_review: Text = None
    nonconformity_id: RecordId | None = None
    no_nonconformity_reason: Text = None
    owner: Short = None
    aware_at: dt.datetime | None = None
    serious_incident: Short = None
    authority_reported_at: dt.datetime | None = None
    playbook_steps: dict[_StepId, StepRecord] = {}


class IncidentOut(IncidentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


@dataclass(frozen=True, slots=True)
class StepState:
    """One step of an incident's playbook and, once done, who did it and when."""

    step: Step
    done: StepRecord | None


def substantive(text: str | None, min_words: int) -> bool:
    """Whether ``text`` says something: at least ``min_words`` words."""
    return len(re.findall(r"\w+", text or "")) >= min_words


class IncidentService(RecordService[IncidentFields, IncidentOut]):
    """Containment is required once contained; closing checks what the severity's playbook requires."""

    model = Incident
    fields = IncidentFields
    out = IncidentOut
    initial_status = "reported"
    transitions = closed(
        ("reported", ("investigating", "closed")),
        ("investigating", ("contained", "resolved")),
        ("contained", ("resolved", "investigating")),
        ("resolved", ("closed", "investigating")),
        ("closed", ("investigating",)),
    )
    required = {
        "investigating": ("owner",),
        "contained": ("owner", "containment"),
        "resolved": ("owner", "containment"),
        "closed": ("owner",),
    }
    references = {"system_ids": "SYS", "nonconformity_id": "NC"}
    search_fields = ("title", "description", "category")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The step :meth:`record_step` is recording (only it may add one), and whether it reports
        #: the serious incident to the authority.
        self._step: tuple[str, StepRecord, bool] | None = None

    @classmethod
    def register_fields(cls) -> frozenset[str]:
        """Playbook steps and the time of the authority report are recorded by 'aims incident step'."""
        return super().register_fields() | {"playbook_steps", "authority_reported_at"}

    # ---------------------------------------------------------------- playbooks
    @staticmethod
    def playbooks() -> Playbooks:
        from openaims.register.playbooks.model import load_playbooks

        return load_playbooks()

    def playbook(self, incident: IncidentOut) -> Playbook:
        return self.playbooks().for_severity(incident.severity)

    def steps(self, incident: IncidentOut) -> list[StepState]:
        """The incident's playbook, step by step, with who did each and when."""
        return [StepState(s, incident.playbook_steps.get(s.id)) for s in self.playbook(incident).steps]

    @staticmethod
    def aware_since(incident: IncidentOut) -> dt.datetime:
        """When the organisation became aware: ``aware_at``, else when detected, else when recorded."""
        return incident.aware_at or incident.detected_at or incident.created_at

    def deadline(self, incident: IncidentOut) -> ReportDeadline | None:
        """The EU AI Act Art. 73 report deadline of a serious incident (None for other incidents)."""
        from openaims.register.playbooks.model import report_deadline

        return report_deadline(self.playbooks(), incident.serious_incident, self.aware_since(incident),
                               incident.authority_reported_at)  # fmt: skip

    def overdue_reports(self) -> list[tuple[IncidentOut, ReportDeadline]]:
        """Serious incidents whose Art. 73 report is past its deadline and not made."""
        now = self.clock()
        found = []
        for incident in self.all(serious_incident__isnull=False):
            due = self.deadline(incident)
            if due is not None and due.reported_at is None and due.overdue(now):
                found.append((incident, due))
        return found

    def missing_to_close(self, incident: IncidentOut | IncidentFields, record_id: str) -> list[str]:
        """What closing the incident still needs, each with the command that satisfies it."""
        books = self.playbooks()
        playbook = books.for_severity(incident.severity)
        done = incident.playbook_steps
        cmd = f"aims incident step {record_id}"
        missing: list[str] = []
        needs = playbook.close_requires
        if "containment" in needs and not (incident.containment and ("containment" in done or
                                                                       playbook.step("containment") is None)):
            missing.append(f"containment: record what was done with '{cmd} containment --note WHAT-WAS-DONE'")
        if "root-cause" in needs and not incident.root_cause:
            missing.append(
                f"a root cause: attach the preserved evidence ('aims evidence add-file FILE --attach {record_id}') "
                f"and record it with '{cmd} investigation --note ROOT-CAUSE'"
            )
        review_step = playbook.step("post-incident-review") is None or "post-incident-review" in done
        if "post-incident-review" in needs:
            if not (substantive(incident.post_incident_review, books.min_review_words) and review_step):
                missing.append(
                    f"a post-incident review of substance (at least {books.min_review_words} words: what happened, "
                    f"why, what was learnt, what changes): '{cmd} post-incident-review --note REVIEW'"
                )
        elif not incident.post_incident_review:
            missing.append(f"a post-incident review: '{cmd} post-incident-review --note REVIEW'")
        if "nonconformity-or-reason" in needs and not (
            incident.nonconformity_id or substantive(incident.no_nonconformity_reason, 3)
        ):
            missing.append(
                f"a linked nonconformity ('aims incident raise-nonconformity {record_id}') or the reason none is "
                f"needed ('aims incident update {record_id} --no-nonconformity-reason REASON --version N')"
            )
        if "authority-report" in needs and incident.serious_incident and incident.authority_reported_at is None:
            missing.append(
                f"the EU AI Act Art. 73 report of this serious incident to the market surveillance authority: "
                f"'{cmd} notification --authority --note WHAT-WAS-REPORTED'"
            )
        return missing

    # ------------------------------------------------------------------ steps
    def record_step(
        self, incident_id: str, expected_version: int, step_id: str, *, note: str | None = None,
        authority: bool = False,
    ) -> IncidentOut:
        """Record that the signed-in person did ``step_id`` of the incident's playbook, now.

        A step that records a field (containment, communications, root cause, post-incident
        review) fills it from ``note`` when it is empty and is refused while it stays empty; the
        investigation needs the evidence preserved (attached to the incident) first; the
        post-incident review must say something. ``authority`` marks a notification as the EU AI
        Act report of a serious incident.
        """  # fmt: skip
        incident = self.get(incident_id)
        books = self.playbooks()
        playbook = books.for_severity(incident.severity)
        step = playbook.step(step_id.strip())
        if step is None:
            raise UsageError(
                f"{step_id!r} is not a step of the {incident.severity} playbook; steps: "
                + ", ".join(s.id for s in playbook.steps)
            )
        require(incident.status != "closed",
                f"{incident_id} is closed; reopen it ('aims incident update {incident_id} --status investigating "
                "--version N') to record a step")  # fmt: skip
        text = (note or "").strip() or None
        changes: dict[str, Any] = {}
        if step.field is not None:
            current = getattr(incident, step.field)
            if not current and text is None:
                raise RuleViolationError(
                    f"the {step.title.lower()} step of {incident_id} records its {step.field.replace('_', ' ')}: "
                    f"give it with 'aims incident step {incident_id} {step.id} --note TEXT'"
                )
            if text is not None and text != current:
                changes[step.field] = text if not current else f"{current}\n{text}"
        if step.evidence:
            from openaims.register.services.evidence import EvidenceService

            kept = [e for e in self.service(EvidenceService).for_record(incident_id) if e.status == "active"]
            require(bool(kept),
                    f"the {step.title.lower()} step of {incident_id} needs the evidence preserved first: attach the "
                    f"logs, prompts and outputs with 'aims evidence add-file FILE --attach {incident_id}'")  # fmt: skip
        if step.id == "post-incident-review":
            review = changes.get("post_incident_review", incident.post_incident_review)
            require(
                substantive(review, books.min_review_words),
                f"the post-incident review of {incident_id} says too little ({review!r}): give at least "
                f"{books.min_review_words} words on what happened, why, what was learnt and what changes",
            )
        if authority:
            require(step.field == "communications",
                    f"--authority marks a notification; record it with 'aims incident step {incident_id} "
                    "notification --authority --note ...'")  # fmt: skip
            require(bool(incident.serious_incident),
                    f"{incident_id} is not marked as a serious incident under the EU AI Act; set "
                    f"'aims incident update {incident_id} --serious-incident KIND --version N' first (kinds: "
                    + ", ".join(books.kind_ids()) + ")")  # fmt: skip
            require(incident.authority_reported_at is None,
                    f"{incident_id} was reported to the authority on {incident.authority_reported_at}")  # fmt: skip
        self._step = (step.id, StepRecord(by=self.actor.name, at=self.clock(), note=text), authority)
        try:
            return self.update(incident_id, expected_version, changes)
        finally:
            self._step = None

    # ------------------------------------------------------------------ hooks
    def prepare(
        self, record_id: str, before: IncidentOut | None, fields: IncidentFields, status: str
    ) -> IncidentFields:
        if self._step is None or before is None:
            return fields
        step_id, done, authority = self._step
        update: dict[str, Any] = {"playbook_steps": {**before.playbook_steps, step_id: done}}
        if authority:
            update["authority_reported_at"] = done.at
        return fields.model_copy(update=update)

    def check(self, record_id: str, before: IncidentOut | None, fields: IncidentFields, status: str) -> None:
        recorded = before.playbook_steps if before is not None else {}
        if fields.playbook_steps != recorded and self._step is None:
            raise RuleViolationError(
                f"{record_id}: playbook steps are recorded by 'aims incident step {record_id} STEP', never typed"
            )
        reported = before.authority_reported_at if before is not None else None
        if fields.authority_reported_at != reported and not (self._step is not None and self._step[2]):
            raise RuleViolationError(
                f"{record_id}: the report to the authority is recorded by 'aims incident step {record_id} "
                "notification --authority', never typed"
            )
        books = self.playbooks()
        if fields.serious_incident and books.kind(fields.serious_incident) is None:
            raise RecordValidationError(self.record_type(), [FieldProblem(
                "serious_incident", f"must be one of: {', '.join(books.kind_ids())} (got {fields.serious_incident!r})"
            )])  # fmt: skip
        if fields.aware_at is not None and fields.aware_at > self.clock() + dt.timedelta(minutes=5):
            raise RecordValidationError(self.record_type(), [FieldProblem("aware_at", "is in the future")])
        if status == "closed" and (before is None or before.status != "closed"):
            missing = self.missing_to_close(fields, record_id)
            if missing:
                raise RuleViolationError(
                    f"{record_id} ({fields.severity}) cannot close: {len(missing)} item(s) missing: "
                    + " | ".join(f"({n}) {m}" for n, m in enumerate(missing, 1))
                )

    def after_write(self, before: IncidentOut | None, after: IncidentOut) -> None:
        """An incident on a system makes that system's impact assessment stale."""
        from openaims.register.services.impact_currency import StaleTrigger, mark_stale

        earlier = before.system_ids if before is not None else []
        for system_id in [s for s in after.system_ids if s not in earlier]:
            mark_stale(self.session, self.actor, system_id, StaleTrigger.INCIDENT,
                       f"incident {after.id} ({after.severity}) on {system_id}: {after.title}",
                       record_id=after.id, clock=self.clock)  # fmt: skip

    def raise_nonconformity(self, incident_id: str) -> NonconformityOut:
        """Open a nonconformity from an incident: its title, description and containment, the
        incident as its source, and the incident pointing at it [A.8.4, 10.2]."""
        from openaims.register.services.nonconformities import NonconformityService

        incident = self.get(incident_id)
        require(
            incident.nonconformity_id is None,
            f"{incident_id} already has nonconformity {incident.nonconformity_id}",
        )
        raised = self.service(NonconformityService).create(
            {
                "title": incident.title,
                "description": incident.description,
                "source": "incident",
                "source_ref": incident_id,
                "containment": incident.containment,
                "owner": incident.owner,
                "root_cause": incident.root_cause,
            }
        )
        self.update(incident_id, incident.version, {"nonconformity_id": raised.id})
        return raised
