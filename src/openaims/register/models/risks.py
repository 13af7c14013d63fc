"""Risk method, risks and treatments [6.1.1, 6.1.2, 6.1.3, 8.2, 8.3]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, date_col, json_list, ref, short, text


class RiskMethod(Record):
    """Risk criteria and a likelihood x impact method: scales, matrix, appetite [6.1.1, 6.1.2]."""

    __tablename__ = "risk_methods"
    prefix = "METHOD"
    record_type = "risk_method"

    name: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    likelihood_levels: Mapped[list[str]] = json_list()
    impact_levels: Mapped[list[str]] = json_list()
    rating_levels: Mapped[list[str]] = json_list()
    matrix: Mapped[list[list[str]]] = json_list()
    appetite: Mapped[str] = short(nullable=False, length=40)
    owner: Mapped[str | None] = short(index=True)


class Risk(Record):
    """An AI risk with inherent and residual rating under a method [6.1.2, 8.2]."""

    __tablename__ = "risks"
    prefix = "RISK"
    record_type = "risk"

    title: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    source: Mapped[str | None] = short()
    category: Mapped[str | None] = short()
    system_ids: Mapped[list[str]] = json_list()
    method_id: Mapped[str | None] = ref("risk_methods")
    inherent_likelihood: Mapped[int | None] = mapped_column(Integer, nullable=True)
    inherent_impact: Mapped[int | None] = mapped_column(Integer, nullable=True)
    inherent_rating: Mapped[str | None] = short(length=40, index=True)
    residual_likelihood: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residual_impact: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residual_rating: Mapped[str | None] = short(length=40, index=True)
    owner: Mapped[str | None] = short(index=True)
    review_on: Mapped[dt.date | None] = date_col()


class Treatment(Record):
    """A risk treatment: mitigate, avoid, transfer or accept, with controls [6.1.3, 8.3]."""

    __tablename__ = "risk_treatments"
    prefix = "TREAT"
    record_type = "treatment"

    risk_id: Mapped[str] = ref("risks", nullable=False)
    option: Mapped[str] = short(nullable=False, length=20)
    description: Mapped[str | None] = text()
    rationale: Mapped[str | None] = text()
    approver: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
    control_ids: Mapped[list[str]] = json_list()
    owner: Mapped[str | None] = short(index=True)
    due_date: Mapped[dt.date | None] = date_col(index=True)
