"""Property: whatever single event is altered, deleted or moved, verify names exactly that event."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from openaims.register import history
from openaims.register.db import Database, sqlite_path
from openaims.register.models import Base

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_made: list[Database] = []


def teardown_module() -> None:
    for db in _made:
        path = sqlite_path(db.url)
        db.dispose()
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)


def _log(events: list[tuple[str, str]]) -> Database:
    db = Database(f"sqlite:///{Path(tempfile.mkdtemp(prefix='aims-prop-')) / 'h.db'}")
    _made.append(db)
    Base.metadata.create_all(db.engine)
    with db.session() as s:
        for n, (actor, value) in enumerate(events):
            history.append(s, record_id=f"RISK-{n % 3 + 1}", record_type="risk", action="update", actor=actor,
                           before={"v": n}, after={"v": value}, at=T0 + dt.timedelta(minutes=n))  # fmt: skip
    return db


events_st = st.lists(st.tuples(st.sampled_from(["alice", "bob"]), st.text(max_size=8)), min_size=2, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=events_st, data=st.data())
def test_any_single_tampering_is_named(events: list[tuple[str, str]], data: st.DataObject) -> None:
    db = _log(events)
    n = len(events)
    kind = data.draw(st.sampled_from(["alter", "delete", "swap"]))
    k = data.draw(st.integers(min_value=1, max_value=n - 1 if kind == "swap" else n))
    with db.engine.begin() as c:
        if kind == "alter":
            c.execute(text("UPDATE history_events SET actor = actor || '!' WHERE seq = :k"), {"k": k})
        elif kind == "delete":
            c.execute(text("DELETE FROM history_events WHERE seq = :k"), {"k": k})
        else:
            c.execute(text("UPDATE history_events SET seq = -1 WHERE seq = :k"), {"k": k})
            c.execute(text("UPDATE history_events SET seq = :k WHERE seq = :k1"), {"k": k, "k1": k + 1})
            c.execute(text("UPDATE history_events SET seq = :k1 WHERE seq = -1"), {"k1": k + 1})
    with db.read() as s:
        report = history.verify(s)
    db.dispose()
    assert report.problem is not None
    assert report.problem.seq == k


@settings(max_examples=10, deadline=None)
@given(events=events_st)
def test_untouched_logs_verify(events: list[tuple[str, str]]) -> None:
    db = _log(events)
    with db.read() as s:
        report = history.verify(s)
    db.dispose()
    assert report.ok
    assert report.events == len(events)
