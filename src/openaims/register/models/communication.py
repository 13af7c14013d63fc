"""Communication plan [7.4]."""

from __future__ import annotations

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, short, text


class Communication(Record):
    """What is communicated about the AIMS, when, to whom, how and by whom [7.4]."""

    __tablename__ = "communications"
    prefix = "COMM"
    record_type = "communication"

    topic: Mapped[str] = short(nullable=False)
    audience: Mapped[str] = short(nullable=False)
    timing: Mapped[str | None] = short()
    channel: Mapped[str | None] = short()
    communicator: Mapped[str | None] = short()
    purpose: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)
