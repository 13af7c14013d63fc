"""Readiness runs remembered in the register, so each run can say what changed since the last one.

Runs are kept in the register database (table ``readiness_runs``), not in a file beside
it, so the memory works the same on SQLite and PostgreSQL and travels with the register.
A run stores the report's JSON form per framework view; the newest :data:`KEEP` runs of
each view are kept, older ones are pruned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openaims.readiness.model import Report
from openaims.register.actors import Actor
from openaims.register.models import ReadinessRun

#: Runs kept per framework view.
KEEP = 20


@dataclass(frozen=True)
class StoredRun:
    """A remembered run: when, by whom, and its report as JSON."""

    id: int
    view: str
    as_of: dt.date
    run_at: dt.datetime
    actor: str
    score: float
    report: dict[str, Any]

    def describe(self) -> str:
        return f"the run of {self.run_at.strftime('%Y-%m-%d %H:%M UTC')} by {self.actor} (as of {self.as_of})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "view": self.view,
            "as_of": self.as_of.isoformat(),
            "run_at": self.run_at.isoformat(),
            "actor": self.actor,
            "score": self.score,
        }


def _stored(row: ReadinessRun) -> StoredRun:
    return StoredRun(row.id, row.view, row.as_of, row.run_at, row.actor, row.score, dict(row.report))


def last_run(session: Session, view: str) -> StoredRun | None:
    """The newest remembered run of ``view``, or None."""
    row = session.scalars(
        select(ReadinessRun).where(ReadinessRun.view == view).order_by(ReadinessRun.id.desc()).limit(1)
    ).first()
    return _stored(row) if row is not None else None


def remember(session: Session, actor: Actor, report: Report, *, now: dt.datetime | None = None) -> StoredRun:
    """Store ``report`` as the newest run of its view and prune older runs beyond :data:`KEEP`."""
    row = ReadinessRun(
        view=report.view,
        as_of=report.as_of,
        run_at=now or dt.datetime.now(dt.UTC),
        actor=actor.name,
        rules_version=report.rules_version,
        score=report.score(),
        report=report.to_dict(),
    )
    session.add(row)
    session.flush()
    keep = select(ReadinessRun.id).where(ReadinessRun.view == report.view).order_by(ReadinessRun.id.desc()).limit(KEEP)
    session.execute(
        delete(ReadinessRun).where(ReadinessRun.view == report.view, ReadinessRun.id.not_in(keep.scalar_subquery()))
    )
    return _stored(row)


__all__ = ["KEEP", "StoredRun", "last_run", "remember"]
