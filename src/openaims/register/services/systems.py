"""AI systems, discovered components and datasets [A.4, A.6, A.7]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import StringConstraints
from sqlalchemy import select, update

from openaims.errors import ConflictError
from openaims.register.models.systems import AISystem, Component, Dataset
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import OrgRole, RecordId, Short, Text, Title, closed

#: Life-cycle stages after ISO/IEC 22989.
LifecycleStage = Literal[
    "inception", "design", "development", "verification", "deployment", "operation", "retirement"
]
LIFECYCLE_STAGES: tuple[str, ...] = (
    "inception", "design", "development", "verification", "deployment", "operation", "retirement",
)  # fmt: skip
#: EU AI Act risk tiers (``unclassified`` until the classification is done, or while it needs legal
#: review): the system tiers, the Art. 6(3) exception, and a general-purpose model's own tiers.
RiskTier = Literal[
    "unclassified", "minimal", "limited", "annex-iii-exception", "high", "prohibited", "gpai", "gpai-systemic"
]


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


class SystemOut(SystemFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class SystemService(RecordService[SystemFields, SystemOut]):
    """A system is ``proposed`` (by a person or a scan) until it has an owner, a purpose and an
    intended use; then it may be ``active``; ``retired`` when withdrawn."""

    model = AISystem
    fields = SystemFields
    out = SystemOut
    initial_status = "proposed"
    transitions = closed(
        ("proposed", ("active", "retired")), ("active", ("retired",)), ("retired", ("active",))
    )
    required = {"active": ("owner", "purpose", "intended_use")}
    references = {"dataset_ids": "DATA", "supplier_ids": "SUP"}
    search_fields = ("name", "description", "purpose")
    label_field = "name"

    def create(self, data: SystemFields | Mapping[str, Any], *, status: str | None = None) -> SystemOut:
        """A system with owner, purpose and intended use starts ``active``, otherwise ``proposed``."""
        if status is None:
            values = data.model_dump() if isinstance(data, SystemFields) else dict(data)
            complete = all(values.get(f) for f in self.required["active"])
            status = "active" if complete else "proposed"
        return super().create(data, status=status)

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
    owner_fields = ()
    manager_statuses = frozenset({"approved", "rejected"})
    search_fields = ("name", "provider", "repository")
    label_field = "name"

    def check(
        self, record_id: str, before: ComponentOut | None, fields: ComponentFields, status: str
    ) -> None:
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
        rows = (
            self.session.execute(select(Component).where(Component.repository == repository)).scalars().all()
        )
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
                .where(
                    Component.repository == repository, Component.fingerprint.in_(again[start : start + 500])
                )
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
