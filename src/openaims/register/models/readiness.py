"""Readiness runs the register remembers, so a run can say what changed since the last one [9.1]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Base, JSONType, UTCDateTime, utcnow


class ReadinessRun(Base):
    """One stored readiness report (its JSON form) for one framework view."""

    __tablename__ = "readiness_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    view: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    rules_version: Mapped[str] = mapped_column(String(40), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
