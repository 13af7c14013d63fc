"""The register as it stood at the end of a day, read back from its history.

Documents and evidence packs built "as of" a day must not change when records are
edited afterwards: the same register and the same day give the same bytes. Every write
appends the record as the service returns it to the hash-chained history, so the
register at the end of a day is, for each record, the snapshot of its last event up to
that moment (a deleted record has none). Without a day, the register as it is now is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from openaims.readiness.snapshot import Snapshot, load_snapshot
from openaims.register import history
from openaims.register.actors import Actor
from openaims.register.models.internal import HistoryEvent
from openaims.register.services import registry
from openaims.register.services.evidence import EvidenceDir


@dataclass(frozen=True)
class HistoryHead:
    """The newest history event included: its sequence number and hash (``seq`` 0 for none)."""

    seq: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True)
class RegisterView:
    """Every record as of ``as_of`` and the history head that state comes from."""

    snapshot: Snapshot
    head: HistoryHead
    as_of: dt.date
    #: Whether the records were read back from the history (a day was given).
    from_history: bool

    def record(self, record_id: str) -> Any | None:
        for rows in self.snapshot.records.values():
            for row in rows:
                if row.id == record_id:
                    return row
        return None


def end_of(day: dt.date) -> str:
    """The last history timestamp that belongs to ``day`` (UTC), as events store it."""
    return history.format_at(dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC))


def _head(session: Session, until: str | None) -> HistoryHead:
    stmt = select(HistoryEvent.seq, HistoryEvent.hash).order_by(HistoryEvent.seq.desc()).limit(1)
    if until is not None:
        stmt = stmt.where(HistoryEvent.at <= until)
    row = session.execute(stmt).first()
    return HistoryHead(row[0], row[1]) if row is not None else HistoryHead(0, history.GENESIS)


def _replayed(session: Session, actor: Actor, until: str) -> dict[str, tuple[Any, ...]]:
    services = registry()
    hidden = history.hidden_record_types(actor)
    latest: dict[str, tuple[str, Any]] = {}
    stmt = (
        select(HistoryEvent.record_id, HistoryEvent.record_type, HistoryEvent.after)
        .where(HistoryEvent.at <= until)
        .order_by(HistoryEvent.seq)
        .execution_options(yield_per=1000)
    )
    for record_id, record_type, after in session.execute(stmt):
        if record_type in services and record_type not in hidden:
            latest[record_id] = (record_type, after)
    records: dict[str, list[Any]] = {name: [] for name in services}
    for record_id, (record_type, raw) in latest.items():
        payload = history.decode_payload(raw)
        if not isinstance(payload, dict):
            continue  # deleted by then
        out = services[record_type].out
        try:
            records[record_type].append(out.model_validate(payload))
        except ValidationError:
            # A snapshot written by an older version: keep the record with the values it had.
            records[record_type].append(out.model_construct(**{**payload, "id": record_id}))
    return {name: tuple(sorted(rows, key=lambda r: (len(r.id), r.id))) for name, rows in records.items()}


def register_view(
    session: Session,
    actor: Actor,
    *,
    as_of: dt.date | None,
    today: dt.date,
    evidence_dir: EvidenceDir | None = None,
) -> RegisterView:
    """The register as of the end of ``as_of`` (from the history), or as it is now when None."""
    if as_of is None:
        snap = load_snapshot(session, actor, today=today, evidence_dir=evidence_dir)
        return RegisterView(snap, _head(session, None), today, from_history=False)
    until = end_of(as_of)
    from openaims.register.monitoring import readiness_facts

    snap = Snapshot(_replayed(session, actor, until), as_of, readiness_facts(
        session, until=dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)))
    return RegisterView(snap, _head(session, until), as_of, True)


def events_of(session: Session, record_ids: Iterable[str], *, until: dt.date | None) -> list[dict[str, Any]]:
    """The history events of ``record_ids`` (up to the end of ``until``), oldest first, as stored."""
    wanted = set(record_ids)
    stmt = select(HistoryEvent).order_by(HistoryEvent.seq).execution_options(yield_per=1000)
    if until is not None:
        stmt = stmt.where(HistoryEvent.at <= end_of(until))
    events = []
    for row in session.execute(stmt).scalars():
        if row.record_id not in wanted:
            continue
        events.append(
            {
                "seq": row.seq,
                "record_id": row.record_id,
                "record_type": row.record_type,
                "action": row.action,
                "actor": row.actor,
                "at": row.at,
                "before": history.decode_payload(row.before),
                "after": history.decode_payload(row.after),
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
        )
    return events


__all__ = ["HistoryHead", "RegisterView", "end_of", "events_of", "register_view"]
