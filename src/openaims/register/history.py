"""The tamper-evident history: an append-only, hash-chained log of every change.

Each event stores who did what to which record and when, the record before and
after as canonical JSON, the hash of the previous event, and its own hash: the
SHA-256 of the canonical JSON of all those fields. Events are written in the same
transaction as the change they describe. :func:`verify` recomputes the chain and
names the first event that was altered, deleted or reordered; a one-row head
table holds the newest hash so that a deleted tail is found as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.register.models.internal import HistoryEvent, HistoryHead

#: ``prev_hash`` of the first event.
GENESIS = "0" * 64
_HEAD_ID = 1
_HEAD_KEY = "openaims.history.head"
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: How far a moved event is looked for when naming a reordering.
_REORDER_WINDOW = 5


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def format_at(moment: dt.datetime) -> str:
    """UTC timestamp as stored in events (sorts correctly as text)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime(_AT_FORMAT)


def parse_at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _AT_FORMAT).replace(tzinfo=dt.UTC)


def event_hash(
    *,
    seq: int,
    record_id: str,
    record_type: str,
    action: str,
    actor: str,
    at: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of an event's fields including ``prev_hash``."""
    payload = {
        "seq": seq,
        "record_id": record_id,
        "record_type": record_type,
        "action": action,
        "actor": actor,
        "at": at,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _stored_hash(row: HistoryEvent, *, seq: int | None = None) -> str:
    return event_hash(
        seq=row.seq if seq is None else seq,
        record_id=row.record_id,
        record_type=row.record_type,
        action=row.action,
        actor=row.actor,
        at=row.at,
        before=json.loads(row.before),
        after=json.loads(row.after),
        prev_hash=row.prev_hash,
    )


def lock(session: Session) -> None:
    """Take the history lock first in a write transaction, so writers queue in one order.

    Every change appends to the one chain, so writers are serialised anyway; taking the
    head row lock before any other row lock rules out deadlocks between transactions
    that change several records.
    """
    _lock_head(session)


def _lock_head(session: Session) -> HistoryHead:
    # The lock lasts until the transaction ends: look the head up once per transaction.
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]  # type: ignore[no-any-return]
    head = session.execute(
        select(HistoryHead).where(HistoryHead.id == _HEAD_ID).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = HistoryHead(id=_HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    session.info[_HEAD_KEY] = (session.get_transaction(), head)
    return head


def append(
    session: Session,
    *,
    record_id: str,
    record_type: str,
    action: str,
    actor: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    at: dt.datetime,
) -> HistoryEvent:
    """Append one event in the caller's transaction (the head row lock serialises writers)."""
    head = _lock_head(session)
    before_json = canonical_json(before)
    after_json = canonical_json(after)
    stamp = format_at(at)
    seq = head.seq + 1
    digest = event_hash(
        seq=seq,
        record_id=record_id,
        record_type=record_type,
        action=action,
        actor=actor,
        at=stamp,
        before=json.loads(before_json),
        after=json.loads(after_json),
        prev_hash=head.hash,
    )
    event = HistoryEvent(
        seq=seq,
        record_id=record_id,
        record_type=record_type,
        action=action,
        actor=actor,
        at=stamp,
        before=before_json,
        after=after_json,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq = seq
    head.hash = digest
    return event


class EventOut(BaseModel):
    """A history event as services and edges see it."""

    model_config = ConfigDict(frozen=True)

    seq: int
    record_id: str
    record_type: str
    action: str
    actor: str
    at: dt.datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Fields whose value differs between before and after (bookkeeping fields left out)."""
        before = self.before or {}
        after = self.after or {}
        skip = {"version", "updated_at", "updated_by", "created_at", "created_by"}
        keys = (set(before) | set(after)) - skip
        return {k: (before.get(k), after.get(k)) for k in sorted(keys) if before.get(k) != after.get(k)}

    @classmethod
    def from_row(cls, row: HistoryEvent) -> EventOut:
        return cls(
            seq=row.seq,
            record_id=row.record_id,
            record_type=row.record_type,
            action=row.action,
            actor=row.actor,
            at=parse_at(row.at),
            before=json.loads(row.before),
            after=json.loads(row.after),
            prev_hash=row.prev_hash,
            hash=row.hash,
        )


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    limit: int
    offset: int


def events_for(session: Session, record_id: str) -> list[EventOut]:
    """Every event of one record, oldest first."""
    rows = session.execute(
        select(HistoryEvent).where(HistoryEvent.record_id == record_id).order_by(HistoryEvent.seq)
    ).scalars()
    return [EventOut.from_row(r) for r in rows]


def query(
    session: Session,
    *,
    record_id: str | None = None,
    record_type: str | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    newest_first: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> EventPage:
    """Filter the log (the audit-log viewer): by record, type, actor and time window."""
    stmt = select(HistoryEvent)
    if record_id:
        stmt = stmt.where(HistoryEvent.record_id == record_id)
    if record_type:
        stmt = stmt.where(HistoryEvent.record_type == record_type)
    if actor:
        stmt = stmt.where(HistoryEvent.actor == actor)
    if since is not None:
        stmt = stmt.where(HistoryEvent.at >= format_at(since))
    if until is not None:
        stmt = stmt.where(HistoryEvent.at < format_at(until))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    order = HistoryEvent.seq.desc() if newest_first else HistoryEvent.seq
    rows = session.execute(stmt.order_by(order).limit(limit).offset(offset)).scalars()
    return EventPage(items=[EventOut.from_row(r) for r in rows], total=total, limit=limit, offset=offset)


@dataclass(frozen=True)
class ChainProblem:
    """The first event at which the chain no longer holds."""

    seq: int
    reason: str
    record_id: str | None = None
    action: str | None = None
    at: str | None = None

    def describe(self) -> str:
        where = f"event #{self.seq}"
        if self.record_id:
            where += f" ({self.record_id} {self.action} at {self.at})"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    """Outcome of :func:`verify`."""

    events: int
    head_seq: int
    head_hash: str
    first_at: str | None
    last_at: str | None
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(session: Session) -> Iterator[HistoryEvent]:
    stmt = select(HistoryEvent).order_by(HistoryEvent.seq).execution_options(yield_per=1000)
    yield from session.execute(stmt).scalars()


def _moved_from(row: HistoryEvent) -> int | None:
    for delta in range(1, _REORDER_WINDOW + 1):
        for seq in (row.seq - delta, row.seq + delta):
            if seq > 0 and _stored_hash(row, seq=seq) == row.hash:
                return seq
    return None


def verify(session: Session, *, progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Recompute the chain; report the first event altered, deleted or reordered.

    ``progress(done, total)`` is called every 1,000 events when given.
    """
    total = session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one() if progress else 0
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    first_at: str | None = None
    last_at: str | None = None
    problem: ChainProblem | None = None
    for row in _rows(session):
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count, total)
        first_at = first_at or row.at
        last_at = row.at
        info = {"record_id": row.record_id, "action": row.action, "at": row.at}
        if row.seq != expected_seq:
            missing = f"#{expected_seq}" if row.seq == expected_seq + 1 else f"#{expected_seq}-#{row.seq - 1}"
            problem = ChainProblem(
                seq=expected_seq, reason=f"event {missing} was deleted (the log jumps to #{row.seq})"
            )
            break
        if _stored_hash(row) != row.hash:
            moved = _moved_from(row)
            if moved is not None:
                reason = f"was reordered: it was recorded as event #{moved}"
            else:
                reason = "was altered: its content no longer matches its hash"
            problem = ChainProblem(seq=row.seq, reason=reason, **info)
            break
        if row.prev_hash != expected_prev:
            problem = ChainProblem(
                seq=row.seq,
                reason=f"does not follow event #{row.seq - 1}: an earlier event was altered, "
                "replaced or reordered",
                **info,
            )
            break
        expected_prev = row.hash
        expected_seq += 1
    head = session.execute(select(HistoryHead).where(HistoryHead.id == _HEAD_ID)).scalar_one_or_none()
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if problem is None and (head_seq != expected_seq - 1 or head_hash != expected_prev):
        if head_seq > expected_seq - 1:
            reason = (
                f"event #{expected_seq} was deleted: the log ends at #{expected_seq - 1} "
                f"but #{head_seq} was written"
            )
            problem = ChainProblem(seq=expected_seq, reason=reason)
        else:
            problem = ChainProblem(
                seq=head_seq + 1 if head_seq < expected_seq - 1 else head_seq,
                reason="the newest event does not match the recorded head of the log "
                "(appended or altered outside OpenAIMS)",
            )
    return ChainReport(
        events=count,
        head_seq=head_seq,
        head_hash=head_hash,
        first_at=first_at,
        last_at=last_at,
        problem=problem,
    )
