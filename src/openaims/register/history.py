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
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.errors import AimsError
from openaims.register.actors import Actor, Permission, Role
from openaims.register.models.internal import HistoryEvent, HistoryHead

#: ``prev_hash`` of the first event.
GENESIS = "0" * 64
_HEAD_ID = 1
_HEAD_KEY = "openaims.history.head"
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: How far a moved event is looked for when naming a reordering.
_REORDER_WINDOW = 5
#: Deepest nesting of a stored record snapshot; deeper payloads are refused on write
#: and reported as unreadable on verify (no record comes close).
MAX_PAYLOAD_DEPTH = 100
#: Most problems one verification lists (the first is always the earliest).
MAX_PROBLEMS = 100


#: Stands for a payload that could not be read, in events given to ``verify(visit=...)``.
UNREADABLE: Any = object()


class UnreadablePayloadError(ValueError):
    """A stored ``before``/``after`` that is not the canonical JSON the register writes."""


class DamagedHistoryError(AimsError):
    """A history event that cannot be read (exit 1: damage found, not bad input)."""


def _depth(value: Any) -> int:
    """Nesting depth of decoded JSON, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_PAYLOAD_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _refuse_constant(name: str) -> Any:
    raise UnreadablePayloadError(f"holds {name}, which JSON does not allow")


def decode_payload(raw: Any) -> Any:
    """Decode a stored payload; UnreadablePayloadError naming what is wrong with it.

    A tampered database can hold anything in these columns: binary data, text that is
    not JSON, NaN, or nesting deep enough to exhaust the parser. Each is reported.
    """
    if isinstance(raw, bytes | bytearray | memoryview):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadablePayloadError("is binary data, not UTF-8 text") from None
    if not isinstance(raw, str):
        raise UnreadablePayloadError(f"is a stored {type(raw).__name__}, not JSON text")
    if not raw.strip():
        raise UnreadablePayloadError("is empty")
    if "\x00" in raw:
        raise UnreadablePayloadError("holds NUL characters")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnreadablePayloadError(f"is nested deeper than {MAX_PAYLOAD_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise UnreadablePayloadError(f"is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if _depth(value) > MAX_PAYLOAD_DEPTH:
        raise UnreadablePayloadError(f"is nested deeper than {MAX_PAYLOAD_DEPTH} levels")
    return value


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


def _stored_hash(row: _Raw, *, seq: int | None = None) -> str:
    return event_hash(
        seq=row.seq if seq is None else seq,
        record_id=row.record_id,
        record_type=row.record_type,
        action=row.action,
        actor=row.actor,
        at=row.at,
        before=row.before,
        after=row.after,
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
    head = session.execute(select(HistoryHead).where(HistoryHead.id == _HEAD_ID).with_for_update()).scalar_one_or_none()
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
    for payload in (before, after):
        if _depth(payload) > MAX_PAYLOAD_DEPTH:
            from openaims.register.errors import RuleViolationError

            raise RuleViolationError(
                f"{record_id} is nested deeper than {MAX_PAYLOAD_DEPTH} levels; flatten the structured fields"
            )
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


#: Key of an event's ``after`` that carries what a person said with it (the reason of a
#: rejection); never a record field, left out when the record is compared with its event.
NOTE = "_note"


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

    @property
    def note(self) -> str | None:
        """What the person said with this event (a rejection's reason), if anything."""
        value = (self.after or {}).get(NOTE)
        return value if isinstance(value, str) else None

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Fields whose value differs between before and after (bookkeeping fields left out)."""
        before = self.before or {}
        after = self.after or {}
        skip = {"version", "updated_at", "updated_by", "created_at", "created_by", NOTE}
        keys = (set(before) | set(after)) - skip
        return {k: (before.get(k), after.get(k)) for k in sorted(keys) if before.get(k) != after.get(k)}

    @classmethod
    def from_row(cls, row: HistoryEvent) -> EventOut:
        """The event as stored; DamagedHistoryError when a tampered field cannot be read."""
        try:
            before = decode_payload(row.before)
            after = decode_payload(row.after)
            return cls(
                seq=row.seq,
                record_id=row.record_id,
                record_type=row.record_type,
                action=row.action,
                actor=row.actor,
                at=parse_at(row.at),
                before=before,
                after=after,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        except (ValueError, TypeError) as exc:  # UnreadablePayloadError, pydantic's ValidationError
            reason = str(exc).splitlines()[0] if isinstance(exc, UnreadablePayloadError) else "has malformed fields"
            raise DamagedHistoryError(
                f"history event #{row.seq} cannot be read: its stored content {reason}; "
                "run 'aims history verify' to see what was altered"
            ) from None


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


#: Record types whose events describe access to the system (accounts, roles, API tokens): only
#: admins, who manage access, and auditors, who review it, read them.
ACCESS_RECORD_TYPES = frozenset({"account"})


def hidden_record_types(actor: Actor) -> frozenset[str]:
    """Record types whose events ``actor`` may not read in the audit log."""
    if actor.may(Permission.MANAGE_ACCOUNTS) or Role.AUDITOR in actor.roles:
        return frozenset()
    return ACCESS_RECORD_TYPES


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
    hidden_types: Collection[str] = (),
) -> EventPage:
    """Filter the log (the audit-log viewer): by record, type, actor and time window; events of
    ``hidden_types`` are left out (see :func:`hidden_record_types`)."""
    stmt = select(HistoryEvent)
    if hidden_types:
        stmt = stmt.where(HistoryEvent.record_type.not_in(sorted(hidden_types)))
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
    """An event at which the chain no longer holds."""

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
    """Outcome of :func:`verify`: the earliest problem first, at most :data:`MAX_PROBLEMS` listed."""

    events: int
    head_seq: int
    head_hash: str
    first_at: str | None
    last_at: str | None
    problems: tuple[ChainProblem, ...] = ()
    #: Problems found beyond those listed.
    more_problems: int = 0
    #: Hash of event #1, which names the chain (None while the log is empty).
    first_hash: str | None = None

    @property
    def problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class StoredEvent:
    """One event as read back for verification: payloads decoded, each field as stored."""

    seq: int
    record_id: str
    record_type: str
    action: str
    actor: str
    at: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


@dataclass
class _Raw:
    seq: Any
    record_id: Any
    record_type: Any
    action: Any
    actor: Any
    at: Any
    before: Any
    after: Any
    prev_hash: Any
    hash: Any


_COLUMNS = ("seq", "record_id", "record_type", "action", "actor", "at", "before", "after", "prev_hash", "hash")


def _raw_rows(session: Session) -> Iterator[_Raw]:
    table = HistoryEvent.__table__
    stmt = select(*(table.c[name] for name in _COLUMNS)).order_by(table.c.seq)
    for row in session.execute(stmt.execution_options(yield_per=1000)):
        yield _Raw(*row)


def _moved_from(row: _Raw) -> int | None:
    for delta in range(1, _REORDER_WINDOW + 1):
        for seq in (row.seq - delta, row.seq + delta):
            if seq > 0 and _stored_hash(row, seq=seq) == row.hash:
                return int(seq)
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def verify(
    session: Session,
    *,
    progress: Callable[[int, int], None] | None = None,
    visit: Callable[[StoredEvent, bool], None] | None = None,
    with_head: bool = True,
) -> ChainReport:
    """Recompute the chain; report every event altered, deleted, reordered or unreadable.

    Never raises on a tampered log: whatever the rows hold is reported as a problem.
    ``progress(done, total)`` is called every 1,000 events when given. ``visit(event,
    intact)`` sees every event, with whether it verified; payloads that cannot be read
    are :data:`UNREADABLE`.
    ``with_head=False`` skips the head row (when its table is known to be missing).
    """
    total = session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one() if progress else 0
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    first_at: str | None = None
    last_at: str | None = None
    first_hash: str | None = None
    last_seq = 0
    last_hash = GENESIS
    flagged_previous = False

    def report(problem: ChainProblem) -> None:
        problems.append(problem)

    for row in _raw_rows(session):
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count, total)
        at = _text(row.at)
        first_at = first_at or at
        last_at = at
        info = {"record_id": _text(row.record_id), "action": _text(row.action), "at": at}
        if not isinstance(row.seq, int) or isinstance(row.seq, bool):
            report(ChainProblem(seq=expected_seq, reason=f"an event numbered {row.seq!r} (not a number) "
                                "was written outside OpenAIMS", **info))  # fmt: skip
            flagged_previous = True
            continue
        flagged = False
        if row.seq != expected_seq:
            missing = f"#{expected_seq}" if row.seq == expected_seq + 1 else f"#{expected_seq}-#{row.seq - 1}"
            report(ChainProblem(seq=expected_seq, reason=f"event {missing} was deleted (the log jumps to #{row.seq})"))
            flagged_previous = True
            expected_seq = row.seq
        if first_hash is None and row.seq == 1:
            first_hash = _text(row.hash)
        decoded: _Raw | None = None
        which = "before"
        try:
            before = decode_payload(row.before)
            which = "after"
            decoded = _Raw(**{**row.__dict__, "before": before, "after": decode_payload(row.after)})
        except UnreadablePayloadError as exc:
            report(ChainProblem(seq=row.seq, reason=f"was altered: its stored '{which}' record {exc}", **info))
            flagged = True
        if decoded is not None and _stored_hash(decoded) != row.hash:
            moved = _moved_from(decoded)
            if moved is not None:
                reason = f"was reordered: it was recorded as event #{moved}"
            else:
                reason = "was altered: its content no longer matches its hash"
            report(ChainProblem(seq=row.seq, reason=reason, **info))
            flagged = True
        if not flagged and not flagged_previous and row.prev_hash != expected_prev:
            report(ChainProblem(
                seq=row.seq,
                reason=f"does not follow event #{row.seq - 1}: an earlier event was altered, replaced or reordered",
                **info,
            ))  # fmt: skip
            flagged = True
        if visit is not None:
            visit(
                StoredEvent(
                    seq=row.seq,
                    record_id=_text(row.record_id),
                    record_type=_text(row.record_type),
                    action=_text(row.action),
                    actor=_text(row.actor),
                    at=at,
                    before=decoded.before if decoded is not None else UNREADABLE,
                    after=decoded.after if decoded is not None else UNREADABLE,
                    prev_hash=_text(row.prev_hash),
                    hash=_text(row.hash),
                ),
                not flagged,
            )
        expected_prev = row.hash
        expected_seq = row.seq + 1
        last_seq, last_hash = row.seq, _text(row.hash)
        flagged_previous = flagged
    head = (
        session.execute(select(HistoryHead.seq, HistoryHead.hash).where(HistoryHead.id == _HEAD_ID)).one_or_none()
        if with_head
        else (last_seq, last_hash)
    )
    head_seq, head_hash = (head[0], head[1]) if head is not None else (0, GENESIS)
    if not isinstance(head_seq, int) or isinstance(head_seq, bool):
        report(ChainProblem(seq=last_seq, reason=f"the recorded head of the log ({head_seq!r}) is not a number"))
        head_seq = -1
    elif head is None and count:
        report(ChainProblem(seq=last_seq, reason="the recorded head of the log is missing (emptied outside OpenAIMS)"))
    elif (head_seq, head_hash) != (last_seq, last_hash):
        if head_seq > last_seq:
            reason = f"event #{last_seq + 1} was deleted: the log ends at #{last_seq} but #{head_seq} was written"
            report(ChainProblem(seq=last_seq + 1, reason=reason))
        else:
            report(ChainProblem(
                seq=head_seq + 1 if head_seq < last_seq else head_seq,
                reason="the newest event does not match the recorded head of the log "
                "(appended or altered outside OpenAIMS)",
            ))  # fmt: skip
    problems.sort(key=lambda p: p.seq)
    return ChainReport(
        events=count,
        head_seq=head_seq,
        head_hash=_text(head_hash),
        first_at=first_at,
        last_at=last_at,
        problems=tuple(problems[:MAX_PROBLEMS]),
        more_problems=max(0, len(problems) - MAX_PROBLEMS),
        first_hash=first_hash,
    )
