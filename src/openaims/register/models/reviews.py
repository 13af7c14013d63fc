"""Management reviews [9.3]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, UTCDateTime, date_col, json_dict, json_list, ref, short, text


class ManagementReview(Record):
    """A management review with the required inputs, decisions and actions [9.3.2, 9.3.3]."""

    __tablename__ = "management_reviews"
    prefix = "MR"
    record_type = "management_review"

    title: Mapped[str] = short(nullable=False)
    held_on: Mapped[dt.date | None] = date_col(index=True)
    chair: Mapped[str | None] = short()
    attendees: Mapped[list[str]] = json_list()
    #: What was considered, typed per input before inputs were compiled (kept, no longer typed).
    inputs: Mapped[dict[str, Any]] = json_dict()
    #: The clause 9.3.2 inputs compiled from the register by ``aims management-review prepare``.
    compiled_inputs: Mapped[dict[str, Any]] = json_dict()
    prepared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decisions: Mapped[list[str]] = json_list()
    #: Actions recorded in the review itself before they were tracked records (kept, no longer typed).
    actions: Mapped[list[dict[str, Any]]] = json_list()
    summary: Mapped[str | None] = text()
    next_review: Mapped[dt.date | None] = date_col()
    owner: Mapped[str | None] = short(index=True)


class ReviewAction(Record):
    """An action decided in a management review, tracked to completion [9.3.3]."""

    __tablename__ = "review_actions"
    prefix = "MRA"
    record_type = "review_action"

    review_id: Mapped[str] = ref("management_reviews", nullable=False)
    description: Mapped[str] = text()
    owner: Mapped[str | None] = short(index=True)
    due_date: Mapped[dt.date | None] = date_col(index=True)
    completed_on: Mapped[dt.date | None] = date_col()
    outcome: Mapped[str | None] = text()
