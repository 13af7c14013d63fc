"""AI objectives and the measurements taken against them [6.2, 9.1]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, date_col, json_list, ref, short, text


class Objective(Record):
    """A measurable AI objective with a target, owner and date [6.2]."""

    __tablename__ = "objectives"
    prefix = "OBJ"
    record_type = "objective"

    title: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    metric: Mapped[str | None] = short()
    target_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str | None] = short(length=40)
    direction: Mapped[str] = short(nullable=False, length=20)
    owner: Mapped[str | None] = short(index=True)
    due_date: Mapped[dt.date | None] = date_col()
    system_ids: Mapped[list[str]] = json_list()


class Measurement(Record):
    """One measured value of an objective's metric [9.1]."""

    __tablename__ = "measurements"
    prefix = "MEAS"
    record_type = "measurement"

    objective_id: Mapped[str] = ref("objectives", nullable=False)
    measured_on: Mapped[dt.date] = date_col(index=True)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    measured_by: Mapped[str | None] = short()
    note: Mapped[str | None] = text()
