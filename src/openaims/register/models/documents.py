"""Documents under document control and their versions [5.2, 7.5]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, date_col, ref, short, text


class Document(Record):
    """A controlled AIMS document such as the AI policy [5.2, 7.5.2]."""

    __tablename__ = "documents"
    prefix = "DOC"
    record_type = "document"

    title: Mapped[str] = short(nullable=False)
    kind: Mapped[str] = short(nullable=False, length=40)
    description: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)
    review_interval_months: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DocumentVersion(Record):
    """One version of a document; approved versions are immutable [7.5.2, 7.5.3]."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    prefix = "DOCV"
    record_type = "document_version"

    document_id: Mapped[str] = ref("documents", nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[str | None] = text()
    change_summary: Mapped[str | None] = text()
    author: Mapped[str | None] = short()
    approver: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
    next_review: Mapped[dt.date | None] = date_col(index=True)
