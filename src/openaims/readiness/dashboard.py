"""Readiness figures for the dashboard and the readiness page, cheap to ask for repeatedly.

A report is computed once per register state: it is cached under the database, the
day, the framework view and the newest history event (its sequence number and chain
hash), so any change to any record (which always writes history) makes the next request
recompute, also when a database of the same address was dropped and made again.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openaims.readiness.engine import View, readiness
from openaims.readiness.model import Report, Status
from openaims.register.actors import Actor
from openaims.register.models import HistoryHead

CLAUSE_GROUPS: tuple[str, ...] = ("4", "5", "6", "7", "8", "9", "10")
_CACHE_SIZE = 16
_cache: OrderedDict[tuple[str, int, str, dt.date, str], Report] = OrderedDict()
_lock = threading.Lock()
_computing = threading.Lock()


@dataclass(frozen=True)
class ReadinessCount:
    """One bar of "readiness by clause group": ``count`` is the percentage ready (met 1, partial 1/2)."""

    label: str
    count: int
    met: int
    total: int


def _head(session: Session) -> tuple[int, str]:
    row = session.execute(select(HistoryHead.seq, HistoryHead.hash)).first()
    return (int(row.seq), str(row.hash)) if row is not None else (0, "")


def current_report(session: Session, actor: Actor, *, view: View = "iso42001", today: dt.date | None = None) -> Report:
    """The readiness report of the register as it is now, from the cache when nothing changed."""
    day = today or dt.datetime.now(dt.UTC).date()
    key = (str(session.get_bind().engine.url), *_head(session), day, view)
    cached = _cached(key)
    if cached is not None:
        return cached
    # One evaluation at a time: a request that arrives while the same state is being
    # evaluated (the server's warm-up, or a page asked for twice) waits for that result.
    with _computing:
        cached = _cached(key)
        if cached is not None:
            return cached
        report = readiness(session, actor, today=day, view=view)
        with _lock:
            _cache[key] = report
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return report


def _cached(key: tuple[str, int, str, dt.date, str]) -> Report | None:
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
        return cached


def _percent(statuses: list[Status]) -> int:
    applicable = [s for s in statuses if s is not Status.NOT_APPLICABLE]
    if not applicable:
        return 0
    points = sum(1.0 if s is Status.MET else 0.5 if s is Status.PARTIAL else 0.0 for s in applicable)
    return round(100 * points / len(applicable))


def summary_for_dashboard(session: Session, actor: Actor) -> list[ReadinessCount]:
    """Per clause group 4 to 10 and for Annex A: the percentage ready and how many items are met."""
    report = current_report(session, actor)
    out: list[ReadinessCount] = []
    for group in CLAUSE_GROUPS:
        statuses = [i.status for i in report.items if i.kind == "clause" and i.group == group]
        met = sum(1 for s in statuses if s is Status.MET)
        out.append(ReadinessCount(f"Clause {group}", _percent(statuses), met, len(statuses)))
    controls = [i.status for i in report.items if i.kind == "control"]
    applicable = [s for s in controls if s is not Status.NOT_APPLICABLE]
    met = sum(1 for s in controls if s is Status.MET)
    out.append(ReadinessCount("Annex A", _percent(controls), met, len(applicable)))
    return out


def clear_cache() -> None:
    with _lock:
        _cache.clear()


__all__ = ["CLAUSE_GROUPS", "ReadinessCount", "clear_cache", "current_report", "summary_for_dashboard"]
