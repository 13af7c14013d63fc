"""Tables the register keeps for itself: id counters and the history chain."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Base


class IdCounter(Base):
    """The last number handed out per human-id prefix (``RISK`` -> 12)."""

    __tablename__ = "id_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False)


class HistoryEvent(Base):
    """One append-only history event; ``hash`` chains it to the event before."""

    __tablename__ = "history_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    #: ISO 8601 UTC with microseconds, e.g. ``2026-05-01T09:30:00.123456Z`` (sorts as text).
    at: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    #: Canonical JSON of the record before and after the change (``null`` when absent).
    before: Mapped[str] = mapped_column(Text, nullable=False)
    after: Mapped[str] = mapped_column(Text, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class HistoryHead(Base):
    """A single row naming the newest event, so a deleted tail is detected too."""

    __tablename__ = "history_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
