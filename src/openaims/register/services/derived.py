"""Figures derived from the register, kept until a write changes what they read.

Every change to a record appends an event, naming the record's type, to the history chain.
A derived figure (a dashboard count, a grouping) is stored with the record types it reads
and the chain head it was computed at. Asked again, it is still good when the chain has not
moved, or when every event since names only other record types: a write to one AI system
recomputes the system figures and nothing computed from components, risks or incidents.

The check costs one indexed read of the events since the figure was computed (skipped when
the head has not moved); when too many events came in since, the figure is recomputed
without looking. A figure stored under a chain that is not the register's any more (the
same address, a register made again) is never used: the event at its sequence number must
carry the hash it was stored with.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from openaims.register.models.internal import HistoryEvent, HistoryHead

T = TypeVar("T")

#: A figure whose record types saw more events than this since it was computed is recomputed
#: without reading which types they were.
MAX_EVENTS_CHECKED = 2000


@dataclass(frozen=True)
class _Entry:
    value: Any
    seq: int
    hash: str


class DerivedCache:
    """Derived figures per (database, name, key), each valid while its record types are unchanged."""

    def __init__(self, size: int = 256) -> None:
        self._entries: OrderedDict[tuple[Hashable, ...], _Entry] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def view(self, session: Session) -> DerivedView:
        """The figures as ``session`` sees the register (its chain head is read once)."""
        row = session.execute(select(HistoryHead.seq, HistoryHead.hash).where(HistoryHead.id == 1)).one_or_none()
        head = (int(row.seq), str(row.hash)) if row is not None else None
        return DerivedView(self, session, head)

    def _get(self, key: tuple[Hashable, ...]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _put(self, key: tuple[Hashable, ...], entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class DerivedView:
    """Derived figures of one unit of work; see :class:`DerivedCache`."""

    cache: DerivedCache
    session: Session
    head: tuple[int, str] | None
    _changed: dict[int, frozenset[str] | None] = field(default_factory=dict)

    def get(self, name: str, reads: Iterable[str], compute: Callable[[], T], *, key: Hashable = ()) -> T:
        """The figure ``name`` (for ``key``), computed by ``compute`` from the record types ``reads``
        (history ``record_type`` names), or kept from before when none of them changed since."""
        if self.head is None:  # a register without a history head: nothing to key on
            return compute()
        seq, digest = self.head
        full_key = (str(self.session.get_bind().engine.url), name, key)
        entry = self.cache._get(full_key)
        if entry is not None:
            if (entry.seq, entry.hash) == (seq, digest):
                return entry.value  # type: ignore[no-any-return]
            changed = self._changed_since(entry)
            if changed is not None and not changed & frozenset(reads):
                self.cache._put(full_key, _Entry(entry.value, seq, digest))
                return entry.value  # type: ignore[no-any-return]
        value = compute()
        self.cache._put(full_key, _Entry(value, seq, digest))
        return value

    def accumulate(
        self, name: str, compute: Callable[[int], T], add: Callable[[T, int, int], T], *, key: Hashable = ()
    ) -> T:
        """A figure over the history chain itself, which only grows: ``compute(head)`` counts the
        events up to the head; kept, it is brought up to date by ``add(value, after, head)`` with
        the events after its head up to the new one."""
        if self.head is None:
            return compute(0)
        seq, digest = self.head
        full_key = (str(self.session.get_bind().engine.url), name, key)
        entry = self.cache._get(full_key)
        if entry is not None and (entry.seq, entry.hash) == (seq, digest):
            return entry.value  # type: ignore[no-any-return]
        if entry is not None and self._changed_since(entry) is not None:
            value = add(entry.value, entry.seq, seq)
        else:
            value = compute(seq)
        self.cache._put(full_key, _Entry(value, seq, digest))
        return value

    def _changed_since(self, entry: _Entry) -> frozenset[str] | None:
        """Record types of the events after ``entry``'s head, or None when that cannot be told
        cheaply and surely (too many events, another chain)."""
        assert self.head is not None
        seq = self.head[0]
        if entry.seq not in self._changed:
            if not 0 <= entry.seq < seq or seq - entry.seq > MAX_EVENTS_CHECKED or not self._same_chain(entry):
                self._changed[entry.seq] = None
            else:
                types = self.session.execute(
                    select(HistoryEvent.record_type)
                    .where(HistoryEvent.seq > entry.seq, HistoryEvent.seq <= seq)
                    .distinct()
                ).scalars()
                self._changed[entry.seq] = frozenset(str(t) for t in types)
        return self._changed[entry.seq]

    def _same_chain(self, entry: _Entry) -> bool:
        """Whether the register's chain holds ``entry``'s head (it was not made again since)."""
        if entry.seq == 0:
            return True
        stmt = select(HistoryEvent.hash).where(HistoryEvent.seq == entry.seq)
        return self.session.execute(stmt).scalar_one_or_none() == entry.hash


#: The process's derived figures (the web app's dashboard, the API's).
DERIVED = DerivedCache()

__all__ = ["DERIVED", "MAX_EVENTS_CHECKED", "DerivedCache", "DerivedView"]
