"""Evidence: files stored by SHA-256 outside the rows, or links; attachable to any record."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, json_list, short, text


class Evidence(Record):
    """A file (content-addressed) or a link that proves a record; who added it and when is kept."""

    __tablename__ = "evidence"
    prefix = "EVD"
    record_type = "evidence"

    title: Mapped[str] = short(nullable=False)
    kind: Mapped[str] = short(nullable=False, length=10)
    sha256: Mapped[str | None] = short(length=64, index=True)
    filename: Mapped[str | None] = short(length=400)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    media_type: Mapped[str | None] = short(length=120)
    url: Mapped[str | None] = short(length=2000)
    record_ids: Mapped[list[str]] = json_list()
    description: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)
