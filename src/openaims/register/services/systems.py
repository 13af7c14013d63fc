"""AI systems, discovered components and datasets [A.4, A.6, A.7]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from openaims.errors import ConflictError, PermissionDeniedError, UsageError
from openaims.register.actors import Actor
from openaims.register.errors import RuleViolationError
from openaims.register.models.base import utcnow
from openaims.register.models.systems import AISystem, Component, Dataset
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import OrgRole, RecordId, Short, Text, Title, closed

if TYPE_CHECKING:
    from openaims.register.lifecycle.gates import GateResult

#: Life-cycle stages after ISO/IEC 22989.
LifecycleStage = Literal["inception", "design", "development", "verification", "deployment", "operation", "retirement"]
LIFECYCLE_STAGES: tuple[str, ...] = (
    "inception", "design", "development", "verification", "deployment", "operation", "retirement",
)  # fmt: skip
#: EU AI Act risk tiers (``unclassified`` until the classification is done, or while it needs legal
#: review): the system tiers, the Art. 6(3) exception, and a general-purpose model's own tiers.
RiskTier = Literal[
    "unclassified", "minimal", "limited", "annex-iii-exception", "high", "prohibited", "gpai", "gpai-systemic"
]


class GateOverride(BaseModel):
    """An emergency move past a gate that did not pass: who, when, why, what was missing, the follow-up."""

    model_config = ConfigDict(extra="forbid")

    from_stage: str
    to_stage: str
    reason: str
    by: str
    at: dt.datetime
    missing: list[str] = []
    follow_up: str | None = None


class SystemFields(RecordFields):
    """An AI system: purpose, intended use and misuse, stage, owner, role, tier, oversight [A.4, A.6]."""

    name: Title
    description: Text = None
    purpose: Text = None
    intended_use: Text = None
    foreseeable_misuse: Text = None
    lifecycle_stage: LifecycleStage = "inception"
    owner: Short = None
    organisation_roles: list[OrgRole] = []
    risk_tier: RiskTier = "unclassified"
    eu_ai_act: dict[str, Any] = {}
    human_oversight: Text = None
    repositories: list[str] = []
    dataset_ids: list[RecordId] = []
    supplier_ids: list[RecordId] = []
    decommissioning: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")], Text] = {}
    gate_overrides: list[GateOverride] = []


class SystemOut(SystemFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class SystemService(RecordService[SystemFields, SystemOut]):
    """A system is ``proposed`` (by a person or a scan) until it has an owner, a purpose and an
    intended use; then it may be ``active``; ``retired`` when withdrawn."""

    model = AISystem
    fields = SystemFields
    out = SystemOut
    initial_status = "proposed"
    transitions = closed(("proposed", ("active", "retired")), ("active", ("retired",)), ("retired", ("active",)))
    required = {"active": ("owner", "purpose", "intended_use")}
    references = {"dataset_ids": "DATA", "supplier_ids": "SUP"}
    search_fields = ("name", "description", "purpose")
    label_field = "name"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The override :meth:`move` is recording (only it may add one).
        self._override: GateOverride | None = None

    @classmethod
    def register_fields(cls) -> frozenset[str]:
        """Gate overrides are recorded by :meth:`move`, never typed."""
        return super().register_fields() | {"gate_overrides"}

    def gate(self, system_id: str, to_stage: str) -> GateResult:
        """What the gates between the system's stage and ``to_stage`` say, criterion by criterion."""
        from openaims.register.lifecycle.gates import judge

        return judge(self.session, self.actor, self.get(system_id), to_stage, today=self.clock().date())

    def move(self, system_id: str, expected_version: int, to_stage: str, *, override: str | None = None) -> SystemOut:
        """Move a system to ``to_stage`` through its gates.

        A gate that does not pass refuses the move, naming each missing criterion, unless an
        admin or AIMS manager overrides it with a reason: the override is kept on the system
        (who, when, why, what was missing) and a nonconformity is opened to follow it up.
        """
        from openaims.register.lifecycle.model import load_lifecycle

        load_lifecycle().stage(to_stage)
        reason = (override or "").strip()
        if override is not None and not reason:
            raise UsageError("--override needs the reason for the emergency")
        if not reason:
            return self.update(system_id, expected_version, {"lifecycle_stage": to_stage})
        if not self.actor.is_manager:
            raise PermissionDeniedError(
                f"only an admin or AIMS manager may override a life-cycle gate; {self.actor.name} is "
                f"{self.actor.role_label}"
            )
        system = self.get(system_id)
        result = self.gate(system_id, to_stage)
        if result.passed:
            raise RuleViolationError(
                f"the gate of {to_stage} passes for {system_id}; move it without --override"
            )
        from openaims.register.services.nonconformities import NonconformityService

        missing = [f"{c.id}: {c.detail}" for c in result.missing]
        follow_up = self.service(NonconformityService).create({
            "title": f"Life-cycle gate overridden: {system_id} moved to {to_stage}",
            "source": "other",
            "source_ref": system_id,
            "clause_ref": "A.6.2.5",
            "owner": system.owner or self.actor.name,
            "description": f"{self.actor.name} moved {system_id} from {system.lifecycle_stage} to {to_stage} "
            f"without passing its gate, because: {reason}. Missing: " + "; ".join(missing),
            "due_date": self.clock().date() + dt.timedelta(days=30),
        })  # fmt: skip
        self._override = GateOverride(
            from_stage=system.lifecycle_stage, to_stage=to_stage, reason=reason, by=self.actor.name,
            at=self.clock(), missing=[c.id for c in result.missing], follow_up=follow_up.id,
        )  # fmt: skip
        try:
            return self.update(system_id, expected_version, {"lifecycle_stage": to_stage})
        finally:
            self._override = None

    def prepare(self, record_id: str, before: SystemOut | None, fields: SystemFields, status: str) -> SystemFields:
        if self._override is not None and before is not None:
            return fields.model_copy(update={"gate_overrides": [*before.gate_overrides, self._override]})
        return fields

    def check(self, record_id: str, before: SystemOut | None, fields: SystemFields, status: str) -> None:
        recorded = before.gate_overrides if before is not None else []
        if fields.gate_overrides != recorded and self._override is None:
            raise RuleViolationError(
                f"{record_id}: gate overrides are recorded by 'aims system move {record_id} --override REASON', "
                "never typed"
            )
        from openaims.register.lifecycle.gates import GateRefusedError, judge

        if before is None:
            self._check_created_stage(record_id, fields, status)
            return
        if fields.lifecycle_stage == before.lifecycle_stage:
            return
        after = before.model_copy(update={name: getattr(fields, name) for name in type(fields).model_fields})
        result = judge(self.session, self.actor, after, fields.lifecycle_stage, today=self.clock().date(),
                       from_stage=before.lifecycle_stage)  # fmt: skip
        if not result.passed and self._override is None:
            raise GateRefusedError(result)

    def _check_created_stage(self, record_id: str, fields: SystemFields, status: str) -> None:
        """A system created at a gated stage passes the gates from the first stage, like a move would:
        a new system has no records behind it, so it is refused naming what is missing. Create it at an
        earlier stage, record what the gates ask for, then move it."""
        from openaims.register.lifecycle.gates import GateRefusedError, judge
        from openaims.register.lifecycle.model import load_lifecycle

        life = load_lifecycle()
        first = life.stage_ids()[0]
        if fields.lifecycle_stage == first:
            return
        now = self.clock()
        draft = self.out.model_construct(
            **fields.model_dump(), id=record_id, record_type=self.model.record_type, status=status, version=0,
            created_at=now, created_by=self.actor.name, updated_at=now, updated_by=self.actor.name,
        )  # fmt: skip
        result = judge(self.session, self.actor, draft, fields.lifecycle_stage, today=now.date(), lifecycle=life,
                       from_stage=first)  # fmt: skip
        if not result.passed:
            raise GateRefusedError(result, result.creation_refusal())

    def create(self, data: SystemFields | Mapping[str, Any], *, status: str | None = None) -> SystemOut:
        """A system with owner, purpose and intended use starts ``active``, otherwise ``proposed``."""
        if status is None:
            values = data.model_dump() if isinstance(data, SystemFields) else dict(data)
            complete = all(values.get(f) for f in self.required["active"])
            status = "active" if complete else "proposed"
        return super().create(data, status=status)

    def after_write(self, before: SystemOut | None, after: SystemOut) -> None:
        """A changed intended purpose or risk tier, or a new dataset, makes the impact assessment stale."""
        if before is None:
            return
        from openaims.register.services.impact_currency import StaleTrigger, mark_stale

        changed = [f for f in ("purpose", "intended_use") if getattr(before, f) != getattr(after, f)]
        if changed:
            words = " and ".join(f.replace("_", " ") for f in changed)
            mark_stale(self.session, self.actor, after.id, StaleTrigger.PURPOSE_CHANGED,
                       f"the {words} of {after.id} changed (version {after.version})",
                       record_id=f"{after.id}@{after.version}", clock=self.clock)  # fmt: skip
        if before.risk_tier != after.risk_tier:
            mark_stale(self.session, self.actor, after.id, StaleTrigger.RISK_TIER_CHANGED,
                       f"the risk tier of {after.id} changed from {before.risk_tier} to {after.risk_tier}",
                       record_id=f"{after.id}@{after.version}", clock=self.clock)  # fmt: skip
        for dataset_id in [d for d in after.dataset_ids if d not in before.dataset_ids]:
            dataset_stale(self.session, self.actor, after.id, dataset_id, clock=self.clock)

    def propose(self, name: str, repository: str, **fields: Any) -> SystemOut:
        """A ``proposed`` system for a repository that has none (scan ingest)."""
        return self.create({"name": name, "repositories": [repository], **fields}, status="proposed")

    def for_repository(self, repository: str) -> list[SystemOut]:
        return self.all(repositories=repository)


class ComponentFields(RecordFields):
    """An AI component a scan found; ``status`` is its approval (pending, approved, rejected) [A.4.4]."""

    kind: Title
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
    ecosystem: Short = None
    provider: Short = None
    fingerprint: Title
    repository: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
    system_id: RecordId | None = None
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    disappeared: bool = False
    details: dict[str, Any] = {}
    review_note: Text = None


class ComponentOut(ComponentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ComponentService(RecordService[ComponentFields, ComponentOut]):
    """Components are keyed by (repository, fingerprint); only managers approve or reject them."""

    model = Component
    fields = ComponentFields
    out = ComponentOut
    initial_status = "pending"
    transitions = closed(
        ("pending", ("approved", "rejected")),
        ("approved", ("rejected", "pending")),
        ("rejected", ("approved", "pending")),
    )
    references = {"system_id": "SYS"}
    #: ``sync`` moves ``last_seen`` of components seen again without an event (scan telemetry).
    unrecorded_fields = frozenset({"last_seen"})
    derived_fields = frozenset({"first_seen", "last_seen", "disappeared"})
    owner_fields = ()
    manager_statuses = frozenset({"approved", "rejected"})
    search_fields = ("name", "provider", "repository")
    label_field = "name"

    def check(self, record_id: str, before: ComponentOut | None, fields: ComponentFields, status: str) -> None:
        other = self.session.execute(
            select(Component.id).where(
                Component.repository == fields.repository,
                Component.fingerprint == fields.fingerprint,
                Component.id != record_id,
            )
        ).scalar_one_or_none()
        if other is not None:
            raise ConflictError(f"{fields.repository} already has this component as {other}")
        if fields.first_seen and fields.last_seen:
            require(fields.last_seen >= fields.first_seen, f"{record_id}: last_seen is before first_seen")

    def find(self, repository: str, fingerprint: str) -> ComponentOut | None:
        """The component with this fingerprint in this repository (scan ingest)."""
        row = self.session.execute(
            select(Component).where(Component.repository == repository, Component.fingerprint == fingerprint)
        ).scalar_one_or_none()
        return self.to_out(row) if row is not None else None

    def sync(
        self,
        repository: str,
        found: Iterable[Mapping[str, Any]],
        *,
        seen_at: dt.datetime | None = None,
        system_id: str | None = None,
    ) -> SyncResult:
        """Record one complete scan of ``repository``.

        ``found`` holds the components the scan saw (``kind``, ``name``, ``fingerprint`` and
        optionally ``ecosystem``, ``provider``, ``details``). New ones are created ``pending``
        (for review); ones that had disappeared come back; ones not seen any more are marked
        ``disappeared``; each of these is a history event. For components seen again and
        otherwise unchanged only ``last_seen`` moves, in one statement and without a history
        event: it is telemetry of the scan run, not a change anyone made to the record.
        """
        seen_at = seen_at or self.clock()
        wanted: dict[str, Mapping[str, Any]] = {}
        for item in found:
            wanted.setdefault(str(item["fingerprint"]), item)
        rows = self.session.execute(select(Component).where(Component.repository == repository)).scalars().all()
        existing = {row.fingerprint: row for row in rows}
        created: list[str] = []
        reappeared: list[str] = []
        disappeared: list[str] = []
        for fingerprint, item in wanted.items():
            row = existing.get(fingerprint)
            if row is None:
                data = {k: item[k] for k in ("kind", "name", "ecosystem", "provider", "details") if k in item}
                data.update(fingerprint=fingerprint, repository=repository, system_id=system_id,
                            first_seen=seen_at, last_seen=seen_at)  # fmt: skip
                created.append(self.create(data).id)
            elif row.disappeared:
                self.update(row.id, row.version, {"disappeared": False, "last_seen": seen_at})
                reappeared.append(row.id)
        for fingerprint, row in existing.items():
            if fingerprint not in wanted and not row.disappeared:
                self.update(row.id, row.version, {"disappeared": True})
                disappeared.append(row.id)
        again = [fp for fp in wanted if fp in existing and existing[fp].id not in reappeared]
        for start in range(0, len(again), 500):
            self.session.execute(
                update(Component)
                .where(Component.repository == repository, Component.fingerprint.in_(again[start : start + 500]))
                .values(last_seen=seen_at)
                .execution_options(synchronize_session=False)
            )
        return SyncResult(
            created=created,
            reappeared=reappeared,
            disappeared=disappeared,
            seen_again=sorted(existing[fp].id for fp in again),
        )

    def unreviewed(self, repository: str | None = None) -> list[ComponentOut]:
        """Components still waiting for approval (and not gone)."""
        filters: dict[str, Any] = {"status": "pending", "disappeared": False}
        if repository:
            filters["repository"] = repository
        return self.all(**filters)


@dataclass(frozen=True)
class SyncResult:
    """What one scan changed in a repository's components (ids)."""

    created: list[str]
    reappeared: list[str]
    disappeared: list[str]
    seen_again: list[str]


class DatasetFields(RecordFields):
    """A dataset: source, provenance, collection, consent, quality, bias, retention [A.7]."""

    name: Title
    description: Text = None
    source: Text = None
    provenance: Text = None
    collection_method: Text = None
    consent_basis: Text = None
    quality_checks: Text = None
    known_bias: Text = None
    retention: Text = None
    owner: Short = None
    system_ids: list[RecordId] = []


class DatasetOut(DatasetFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class DatasetService(RecordService[DatasetFields, DatasetOut]):
    model = Dataset
    fields = DatasetFields
    out = DatasetOut
    initial_status = "active"
    transitions = closed(("active", ("retired",)), ("retired", ("active",)))
    references = {"system_ids": "SYS"}
    search_fields = ("name", "description", "source")
    label_field = "name"

    def after_write(self, before: DatasetOut | None, after: DatasetOut) -> None:
        """A dataset newly used by a system makes that system's impact assessment stale."""
        earlier = before.system_ids if before is not None else []
        for system_id in [s for s in after.system_ids if s not in earlier]:
            dataset_stale(self.session, self.actor, system_id, after.id, name=after.name, clock=self.clock)


def dataset_stale(
    session: Session,
    actor: Actor,
    system_id: str,
    dataset_id: str,
    *,
    name: str | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> None:
    """Note on the system's impact assessment that it now uses dataset ``dataset_id``."""
    from openaims.register.services.impact_currency import StaleTrigger, mark_stale

    if name is None:
        row = session.get(Dataset, dataset_id)
        name = row.name if row is not None else dataset_id
    mark_stale(session, actor, system_id, StaleTrigger.NEW_DATASET,
               f"new dataset {name} ({dataset_id}) used by {system_id}", record_id=dataset_id, clock=clock)  # fmt: skip
