"""AI systems, discovered components and datasets [A.4, A.6, A.7]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import StringConstraints
from sqlalchemy import select

from openaims.errors import ConflictError
from openaims.register.models.systems import AISystem, Component, Dataset
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import OrgRole, RecordId, Short, Text, Title, closed

#: Life-cycle stages after ISO/IEC 22989.
LifecycleStage = Literal[
    "inception", "design", "development", "verification", "deployment", "operation", "retirement"
]
LIFECYCLE_STAGES: tuple[str, ...] = (
    "inception", "design", "development", "verification", "deployment", "operation", "retirement",
)  # fmt: skip
#: EU AI Act risk tiers (``unclassified`` until the classification is done).
RiskTier = Literal["unclassified", "minimal", "limited", "high", "prohibited"]


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
        if fields.first_seen and fields.last_seen and fields.last_seen < fields.first_seen:
            raise ConflictError(f"{record_id}: last_seen is before first_seen")

    def find(self, repository: str, fingerprint: str) -> ComponentOut | None:
        """The component with this fingerprint in this repository (scan ingest)."""
        row = self.session.execute(
            select(Component).where(Component.repository == repository, Component.fingerprint == fingerprint)
        ).scalar_one_or_none()
        return self.to_out(row) if row is not None else None


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
