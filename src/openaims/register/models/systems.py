"""AI systems, the components scans discover in them, and datasets [A.4, A.6, A.7]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, UTCDateTime, json_dict, json_list, ref, short, text


class AISystem(Record):
    """An AI system the organisation provides, develops, deploys or uses [A.4, A.6]."""

    __tablename__ = "ai_systems"
    prefix = "SYS"
    record_type = "system"

    name: Mapped[str] = short(nullable=False, index=True)
    description: Mapped[str | None] = text()
    purpose: Mapped[str | None] = text()
    intended_use: Mapped[str | None] = text()
    foreseeable_misuse: Mapped[str | None] = text()
    lifecycle_stage: Mapped[str] = short(nullable=False, length=20)
    owner: Mapped[str | None] = short(index=True)
    organisation_roles: Mapped[list[str]] = json_list()
    risk_tier: Mapped[str] = short(nullable=False, length=20)
    eu_ai_act: Mapped[dict[str, Any]] = json_dict()
    human_oversight: Mapped[str | None] = text()
    repositories: Mapped[list[str]] = json_list()
    dataset_ids: Mapped[list[str]] = json_list()
    supplier_ids: Mapped[list[str]] = json_list()
    decommissioning: Mapped[dict[str, Any]] = json_dict()
    gate_overrides: Mapped[list[dict[str, Any]]] = json_list()


class Component(Record):
    """An AI component found by a scan (package, model, provider, MCP server, key...) [A.4.4]."""

    __tablename__ = "ai_components"
    __table_args__ = (UniqueConstraint("repository", "fingerprint"),)
    prefix = "COMP"
    record_type = "component"

    kind: Mapped[str] = short(nullable=False, length=40, index=True)
    name: Mapped[str] = short(nullable=False, length=400)
    ecosystem: Mapped[str | None] = short(length=40)
    provider: Mapped[str | None] = short(length=80, index=True)
    fingerprint: Mapped[str] = short(nullable=False, length=128)
    repository: Mapped[str] = short(nullable=False, length=400)
    system_id: Mapped[str | None] = ref("ai_systems")
    first_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disappeared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    details: Mapped[dict[str, Any]] = json_dict()
    review_note: Mapped[str | None] = text()


class Dataset(Record):
    """A dataset used by AI systems, with provenance and quality information [A.7]."""

    __tablename__ = "datasets"
    prefix = "DATA"
    record_type = "dataset"

    name: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    source: Mapped[str | None] = text()
    provenance: Mapped[str | None] = text()
    collection_method: Mapped[str | None] = text()
    consent_basis: Mapped[str | None] = text()
    quality_checks: Mapped[str | None] = text()
    known_bias: Mapped[str | None] = text()
    retention: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)
    system_ids: Mapped[list[str]] = json_list()
