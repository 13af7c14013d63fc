"""Management reviews [9.3]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_dict, json_list, short, text


class ManagementReview(Record):
    """A management review with the required inputs, decisions and actions [9.3.2, 9.3.3]."""

    __tablename__ = "management_reviews"
    prefix = "MR"
    record_type = "management_review"

    title: Mapped[str] = short(nullable=False)
    held_on: Mapped[dt.date | None] = date_col(index=True)
    chair: Mapped[str | None] = short()
    attendees: Mapped[list[str]] = json_list()
    inputs: Mapped[dict[str, Any]] = json_dict()
    decisions: Mapped[list[str]] = json_list()
    actions: Mapped[list[dict[str, Any]]] = json_list()
    summary: Mapped[str | None] = text()
    next_review: Mapped[dt.date | None] = date_col()
    owner: Mapped[str | None] = short(index=True)
