"""Monitoring of AI systems in operation: plans (records) and the values measured under them [9.1, A.6.2.6].

A plan is a register record people edit and approve like any other. Its results are
measurements that arrive from evaluations, pushes and MLflow imports: operational rows,
each with its time, source and batch, and the level it reached against the plan's
thresholds; a breach names the incident it opened or was added to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Base, JSONType, Record, UTCDateTime, json_dict, json_list, ref, short, text


class MonitoringPlan(Record):
    """What is monitored on one AI system, how, how often, against which thresholds [9.1, A.6.2.6]."""

    __tablename__ = "monitoring_plans"
    prefix = "MON"
    record_type = "monitoring_plan"

    title: Mapped[str] = short(nullable=False)
    system_id: Mapped[str] = ref("ai_systems", nullable=False)
    description: Mapped[str | None] = text()
    schedule: Mapped[str] = short(nullable=False, length=20)
    owner: Mapped[str | None] = short(index=True)
    notify: Mapped[list[str]] = json_list()
    columns: Mapped[dict[str, Any]] = json_dict()
    metrics: Mapped[list[dict[str, Any]]] = json_list()


class MonitoringResult(Base):
    """One measured value of a plan's metric (per group or feature where the metric has them)."""

    __tablename__ = "monitoring_results"
    __table_args__ = (
        Index("ix_monitoring_results_series", "plan_id", "metric", "at"),
        Index("ix_monitoring_results_system_at", "system_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("monitoring_plans.id", ondelete="RESTRICT"), nullable=False
    )
    system_id: Mapped[str] = mapped_column(String(40), ForeignKey("ai_systems.id", ondelete="RESTRICT"), nullable=False)
    metric: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The column the value is about: a group column (fairness) or a feature (drift).
    feature: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The group the value is for (per-group fairness metrics).
    group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    #: ``ok``, ``warning`` or ``breach`` against the plan's thresholds when it was recorded.
    level: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    #: When the value was measured (a batch's time, ``--at``, an MLflow step's time).
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    #: ``evaluate``, ``push``, ``api`` or ``mlflow``.
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    #: What the value came from: a file's name and SHA-256, an MLflow run.
    batch: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    incident_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("incidents.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    #: A warning is reviewed when someone looked at it and said what they concluded (a breach is
    #: handled through its incident instead).
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
