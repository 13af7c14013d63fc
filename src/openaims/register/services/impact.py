"""AI system impact assessments after ISO/IEC 42005 [6.1.4, 8.4, A.5].

An assessment follows the sections of ISO/IEC 42005 clause 6: the system's description, intended
uses and reasonably foreseeable misuses (6.3); the data and models it uses, linked to the
register's datasets and to the models scans found (6.4, 6.5); its deployment context (6.6); the
interested parties and affected groups, vulnerable ones marked (6.7); for each group the benefits
and harms, rated for severity and likelihood, and the measures taken (6.8.2, 6.9); failure modes
and their consequences (6.8.3); and review and approval. Ratings per impact area (ISO/IEC 42001
B.5.4 and B.5.5) may be kept alongside.

A new assessment starts from what the register knows about its system (description, intended
use, foreseeable misuse, datasets and models). Every affected group is rated before review; a
group with harms needs the measures taken before approval. The reviewer must be someone other
than the assessor. Approving an assessment supersedes the system's previous one.

Records of the earlier per-area form (group names, vulnerable group names and area ratings) are
still accepted and converted: each group gets the highest severity and likelihood over the rated
areas, the area descriptions become its harms and the assessment's mitigations its measures.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openaims.register.approvals import ApprovalPoint, Duty
from openaims.register.models.impact import ImpactAssessment
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require, today
from openaims.register.services.types import Level, RecordId, RequiredText, Short, Text, Title, closed

#: Component kinds that are a model (a named model or a model file found by a scan).
MODEL_KINDS = frozenset({"model", "model_file"})


class ImpactArea(enum.StrEnum):
    FAIRNESS = "fairness"
    PRIVACY = "privacy"
    SAFETY = "safety"
    HUMAN_RIGHTS = "human_rights"
    ENVIRONMENT = "environment"
    SOCIETY = "society"


class AreaAssessment(BaseModel):
    """Severity and likelihood of the impact in one area (1 = lowest, 5 = highest)."""

    model_config = ConfigDict(extra="forbid")

    severity: Level
    likelihood: Level
    description: Text = None


class ImpactedGroup(BaseModel):
    """A group of people the system affects, with its benefits, harms, their rating and the measures
    taken [ISO/IEC 42005 6.7, 6.8.2, 6.9]."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Title = Field(description="Who: loan applicants, support agents, the public...")
    vulnerable: bool = Field(False, description="Whether the group is vulnerable (minors, people in distress...).")
    description: Text = Field(None, description="Who they are and how they meet the system.")
    benefits: Text = Field(None, description="What the group gains from the system.")
    harms: Text = Field(None, description="How the system could harm the group.")
    severity: Level | None = Field(None, description="Severity of the harms (1 = lowest).")
    likelihood: Level | None = Field(None, description="Likelihood of the harms (1 = lowest).")
    measures: Text = Field(None, description="Measures taken to prevent or reduce the harms.")

    @property
    def rated(self) -> bool:
        return self.severity is not None and self.likelihood is not None


class FailureMode(BaseModel):
    """A way the system can fail or be misused, and what follows [ISO/IEC 42005 6.8.3]."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    failure: Title = Field(description="What fails, or how the system is misused.")
    consequences: Text = Field(None, description="What follows, and for whom.")
    severity: Level | None = Field(None, description="Severity of the consequences (1 = lowest).")
    likelihood: Level | None = Field(None, description="Likelihood of the failure (1 = lowest).")
    measures: Text = Field(None, description="How the failure is prevented, detected or handled.")


class StaleTrigger(enum.StrEnum):
    """What makes an approved impact assessment stale (a re-assessment trigger that fired)."""

    NEW_MODEL = "new_model"
    NEW_PROVIDER = "new_provider"
    PURPOSE_CHANGED = "purpose_changed"
    RISK_TIER_CHANGED = "risk_tier_changed"
    NEW_DATASET = "new_dataset"
    INCIDENT = "incident"
    FAIRNESS_BREACH = "fairness_breach"


class StaleReason(BaseModel):
    """One re-assessment trigger that fired: when, which, why in words, and the record behind it."""

    model_config = ConfigDict(extra="forbid")

    on: dt.date
    trigger: StaleTrigger
    reason: RequiredText
    record_id: str | None = None


def _level(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def from_area_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The impacted groups of an assessment given in the earlier per-area form.

    When ``impacted_groups`` is empty and the earlier ``affected_groups`` (names) or
    ``vulnerable_groups`` are given, each name becomes a group (vulnerable when listed so) with
    the highest severity and likelihood over the rated ``areas``, the area descriptions as its
    harms and the assessment's ``mitigations`` as its measures. The earlier lists are kept as
    given; data with impacted groups is returned as is.
    """
    out = dict(data)
    names, vulnerable = out.get("affected_groups") or [], out.get("vulnerable_groups") or []
    if out.get("impacted_groups") or not isinstance(names, list) or not isinstance(vulnerable, list):
        return out
    names = [n for n in names if isinstance(n, str)]
    vulnerable = [n for n in vulnerable if isinstance(n, str)]
    if not names and not vulnerable:
        return out
    areas = out.get("areas") if isinstance(out.get("areas"), Mapping) else {}
    rated = {str(getattr(k, "value", k)): v for k, v in (areas or {}).items() if isinstance(v, Mapping)}
    severities = [s for s in (_level(v.get("severity")) for v in rated.values()) if s is not None]
    likelihoods = [s for s in (_level(v.get("likelihood")) for v in rated.values()) if s is not None]
    harms = "\n".join(
        f"{area.replace('_', ' ')} (severity {v.get('severity')}, likelihood {v.get('likelihood')}): "
        f"{str(v['description']).strip()}"
        for area, v in rated.items() if v.get("description")
    )  # fmt: skip
    mitigations = out.get("mitigations")
    groups: list[dict[str, Any]] = []
    for name in dict.fromkeys([*names, *vulnerable]):
        group: dict[str, Any] = {"name": name, "vulnerable": name in vulnerable}
        if severities and likelihoods:
            group |= {"severity": max(severities), "likelihood": max(likelihoods)}
        if harms:
            group["harms"] = harms
            if isinstance(mitigations, str) and mitigations.strip():
                group["measures"] = mitigations.strip()
        groups.append(group)
    out["impacted_groups"] = groups
    return out


class ImpactAssessmentFields(RecordFields):
    """The system, its data and models, where it is deployed, the groups it affects with benefits and harms
    per group, failure modes, review [ISO/IEC 42005]."""

    system_id: RecordId
    title: Title
    scope: Text = Field(None, description="What the assessment covers and what it leaves out (ISO/IEC 42005 6.2)")
    system_description: Text = Field(
        None, description="What the system is, what it can do and its purpose (6.3.1 to 6.3.3)"
    )
    intended_uses: Text = Field(None, description="The uses the system is meant for (6.3.4)")
    foreseeable_misuses: Text = Field(None, description="Unintended uses and reasonably foreseeable misuse (6.3.5)")
    dataset_ids: list[RecordId] = Field([], description="Datasets the system uses (6.4)")
    model_ids: list[RecordId] = Field([], description="Models and model files scans found for the system (6.5)")
    data_and_models: Text = Field(None, description="Data quality and model information worth noting (6.4, 6.5)")
    deployment_context: Text = Field(
        None, description="Where and how it is deployed: regions, languages, who operates it, constraints (6.6)"
    )
    impacted_groups: list[ImpactedGroup] = Field(
        [], description="Interested parties and affected groups, with benefits, harms and measures (6.7 to 6.9)"
    )
    failure_modes: list[FailureMode] = Field([], description="Failures and misuse and their consequences (6.8.3)")
    areas: dict[ImpactArea, AreaAssessment] = Field(
        {}, description="Optional ratings per impact area (ISO/IEC 42001 B.5.4, B.5.5)"
    )
    mitigations: Text = None
    assessor: Short = None
    reviewer: Short = None
    assessed_on: dt.date | None = None
    next_review: dt.date | None = None
    reassessment_triggers: list[str] = []
    stale_reasons: list[StaleReason] = []
    #: The earlier form's group names (kept as recorded; new assessments use ``impacted_groups``).
    affected_groups: list[str] = Field([], description="Affected groups as named in the earlier per-area form")
    vulnerable_groups: list[str] = Field([], description="Vulnerable groups as named in the earlier per-area form")

    @model_validator(mode="before")
    @classmethod
    def _earlier_form(cls, data: Any) -> Any:
        return from_area_form(data) if isinstance(data, Mapping) else data


class ImpactAssessmentOut(ImpactAssessmentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    @model_validator(mode="before")
    @classmethod
    def _earlier_form(cls, data: Any) -> Any:
        return data  # a stored record is shown as recorded


class ImpactAssessmentService(RecordService[ImpactAssessmentFields, ImpactAssessmentOut]):
    model = ImpactAssessment
    fields = ImpactAssessmentFields
    out = ImpactAssessmentOut
    initial_status = "draft"
    transitions = closed(
        ("draft", ("in_review",)), ("in_review", ("draft", "approved")), ("approved", ("superseded",))
    )
    required = {
        "in_review": ("impacted_groups", "assessor"),
        "approved": ("impacted_groups", "assessor", "reviewer", "assessed_on", "next_review"),
    }
    references = {"system_id": "SYS", "dataset_ids": "DATA", "model_ids": "COMP"}
    owner_fields = ("assessor", "reviewer")
    frozen_statuses = frozenset({"approved", "superseded"})
    search_fields = ("title", "mitigations")
    maintained_fields = frozenset({"stale_reasons"})
    derived_fields = frozenset({"affected_groups", "vulnerable_groups"})
    approval = ApprovalPoint(
        "approved", "approved", by_field="reviewer", request_field="reviewer",
        duties=(Duty("assessor is not reviewer", "assessor", ("assessor",)),),
    )  # fmt: skip

    def prepare(
        self, record_id: str, before: ImpactAssessmentOut | None, fields: ImpactAssessmentFields, status: str
    ) -> ImpactAssessmentFields:
        if before is None:
            fields = self._from_system(fields)
        if before is None and fields.assessor is None:
            fields = fields.model_copy(update={"assessor": self.actor.name})
        if status == "approved" and fields.assessed_on is None:
            fields = fields.model_copy(update={"assessed_on": today()})
        return fields

    def _from_system(self, fields: ImpactAssessmentFields) -> ImpactAssessmentFields:
        """A new assessment starts from what the register knows of its system: its description, purpose,
        intended use and foreseeable misuse, its datasets and the models scans found for it."""
        from openaims.register.services.systems import ComponentService, DatasetService, SystemService

        systems = self.service(SystemService)
        if not systems.exists(fields.system_id):
            return fields
        system = systems.get(fields.system_id)
        update: dict[str, Any] = {}
        if not fields.system_description:
            described = [t for t in (system.description, system.purpose and f"Purpose: {system.purpose}") if t]
            update["system_description"] = "\n".join(described) or None
        if not fields.intended_uses and system.intended_use:
            update["intended_uses"] = system.intended_use
        if not fields.foreseeable_misuses and system.foreseeable_misuse:
            update["foreseeable_misuses"] = system.foreseeable_misuse
        if not fields.dataset_ids:
            using = [d.id for d in self.service(DatasetService).all(system_ids__contains=system.id)]
            update["dataset_ids"] = list(dict.fromkeys([*system.dataset_ids, *using]))
        if not fields.model_ids:
            found = self.service(ComponentService).all(system_id=system.id)
            update["model_ids"] = [c.id for c in found if c.kind in MODEL_KINDS and not c.disappeared]
        return fields.model_copy(update={k: v for k, v in update.items() if v})

    def check(
        self, record_id: str, before: ImpactAssessmentOut | None, fields: ImpactAssessmentFields, status: str
    ) -> None:
        if status in ("in_review", "approved"):
            unrated = [g.name for g in fields.impacted_groups if not g.rated]
            require(
                not unrated,
                f"{record_id} cannot be {status!r} until every affected group's harms are rated for severity and "
                "likelihood; not rated: " + ", ".join(unrated),
            )
        if status == "approved":
            open_harms = [g.name for g in fields.impacted_groups if g.harms and not g.measures]
            require(
                not open_harms,
                f"{record_id} cannot be approved until the measures taken are recorded for every group with "
                "harms; missing for: " + ", ".join(open_harms),
            )
            require(
                not self.same_person(fields.reviewer, fields.assessor),
                f"{record_id}: the reviewer must be someone other than the assessor ({fields.assessor})",
            )

    def after_write(self, before: ImpactAssessmentOut | None, after: ImpactAssessmentOut) -> None:
        if after.status == "approved" and (before is None or before.status != "approved"):
            for other in self.all(system_id=after.system_id, status="approved"):
                if other.id != after.id:
                    self.transition(other.id, other.version, "superseded")

    def current(self, system_id: str) -> ImpactAssessmentOut | None:
        """The approved assessment in force for a system."""
        approved = self.all(system_id=system_id, status="approved")
        return approved[-1] if approved else None
