"""Approved versions of the Statement of Applicability [6.1.3 d, 7.5]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, date_col, json_list, short, text


class SoaVersion(Record):
    """A frozen copy of every SoA row, with who approved it and when."""

    __tablename__ = "soa_versions"
    prefix = "SOAV"
    record_type = "soa_version"

    number: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    title: Mapped[str] = short(nullable=False)
    change_summary: Mapped[str | None] = text()
    approver: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
    rows: Mapped[list[dict[str, Any]]] = json_list()
