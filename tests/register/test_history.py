"""The history chain: intact logs verify, and altering, deleting or reordering one event is named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from openaims.register import history
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.services import RiskService, SystemService


def _five_events(database: Database) -> None:
    """#1 create SYS-1, #2 create RISK-1, #3 update RISK-1, #4 create METHOD-1 (default method),
    #5 status:assessed RISK-1, #6 create RISK-2."""
    with database.session() as s:
        SystemService(s, "alice").create(
            {"name": "Chatbot", "owner": "alice", "purpose": "Support", "intended_use": "Answers"}
        )
        risks = RiskService(s, "alice")
        risk = risks.create({"title": "Wrong answers", "system_ids": ["SYS-1"]})
        risk = risks.update(risk.id, risk.version, {"description": "Refund amounts invented"})
        risks.update(risk.id, risk.version, {"inherent_likelihood": 3, "inherent_impact": 4, "status": "assessed"})
        risks.create({"title": "Prompt injection"})


def _verify(database: Database) -> history.ChainReport:
    with database.read() as s:
        return history.verify(s)


def _sql(database: Database, statement: str, **params: object) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(statement), params)


def test_intact_chain_verifies(database: Database) -> None:
    _five_events(database)
    report = _verify(database)
    assert report.ok
    assert report.events == 6  # the default risk method was created (and approved) on first rating
    assert report.head_seq == 6
    with database.read() as s:
        events = history.query(s, record_id="RISK-1", newest_first=False).items
    assert [e.action for e in events] == ["create", "update", "status:assessed"]
    assert events[2].changes()["inherent_rating"] == (None, "high")
    assert events[2].changes()["status"] == ("identified", "assessed")


def test_empty_log_verifies(database: Database) -> None:
    report = _verify(database)
    assert report.ok
    assert report.events == 0


@pytest.mark.parametrize("seq", [1, 3, 6])
def test_altered_event_is_named(database: Database, seq: int) -> None:
    _five_events(database)
    _sql(database, "UPDATE history_events SET actor = 'mallory' WHERE seq = :seq", seq=seq)
    problem = _verify(database).problem
    assert problem is not None
    assert problem.seq == seq
    assert "was altered" in problem.describe()
    assert problem.describe().startswith(f"event #{seq} (")


def test_altered_before_json_is_named(database: Database) -> None:
    _five_events(database)
    _sql(
        database,
        "UPDATE history_events SET after = REPLACE(after, 'Refund amounts invented', 'Nothing happened') "
        "WHERE seq = 3",
    )
    problem = _verify(database).problem
    assert problem is not None
    assert (problem.seq, problem.record_id, problem.action) == (3, "RISK-1", "update")


def test_altered_event_with_recomputed_hash_breaks_the_next_link(database: Database) -> None:
    _five_events(database)
    with database.read() as s:
        event = history.query(s, record_id="RISK-1", newest_first=False).items[0]
    forged = history.event_hash(
        seq=event.seq, record_id=event.record_id, record_type=event.record_type, action=event.action,
        actor="mallory", at=history.format_at(event.at), before=event.before, after=event.after,
        prev_hash=event.prev_hash,
    )  # fmt: skip
    _sql(database, "UPDATE history_events SET actor = 'mallory', hash = :h WHERE seq = :s", h=forged, s=event.seq)
    problem = _verify(database).problem
    assert problem is not None
    assert problem.seq == event.seq + 1
    assert f"does not follow event #{event.seq}" in problem.reason


@pytest.mark.parametrize("seq", [1, 3])
def test_deleted_event_is_named(database: Database, seq: int) -> None:
    _five_events(database)
    _sql(database, "DELETE FROM history_events WHERE seq = :seq", seq=seq)
    problem = _verify(database).problem
    assert problem is not None
    assert problem.seq == seq
    assert f"event #{seq} was deleted" in problem.describe()


def test_deleted_newest_event_is_named(database: Database) -> None:
    _five_events(database)
    _sql(database, "DELETE FROM history_events WHERE seq = 6")
    problem = _verify(database).problem
    assert problem is not None
    assert problem.seq == 6
    assert "event #6 was deleted" in problem.reason


def test_reordered_events_are_named(database: Database) -> None:
    _five_events(database)
    _sql(database, "UPDATE history_events SET seq = 1000 WHERE seq = 3")
    _sql(database, "UPDATE history_events SET seq = 3 WHERE seq = 4")
    _sql(database, "UPDATE history_events SET seq = 4 WHERE seq = 1000")
    problem = _verify(database).problem
    assert problem is not None
    assert problem.seq == 3
    assert "reordered: it was recorded as event #4" in problem.reason


def test_events_are_written_with_the_change_or_not_at_all(database: Database) -> None:
    def abandon() -> None:
        with database.session() as s:
            SystemService(s, Actor("alice")).create({"name": "Draft system"})
            raise RuntimeError("abort the unit of work")

    with pytest.raises(RuntimeError):
        abandon()
    with database.read() as s:
        assert history.query(s).total == 0
        assert SystemService(s, "alice").list().total == 0
    assert _verify(database).ok
