"""Concurrent writers get distinct ids, lose no history event, and lost updates are refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from openaims.errors import ConflictError
from openaims.register import history
from openaims.register.db import Database
from openaims.register.services import RiskService

WRITERS = 4
PER_WRITER = 8


def test_parallel_creates_get_distinct_ids_and_a_valid_chain(database: Database) -> None:
    start = threading.Barrier(WRITERS)

    def write(n: int) -> list[str]:
        start.wait()
        made = []
        for i in range(PER_WRITER):
            with database.session() as s:
                made.append(RiskService(s, f"writer{n}").create({"title": f"w{n} r{i}"}).id)
        return made

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = [rid for batch in pool.map(write, range(WRITERS)) for rid in batch]
    assert sorted(ids, key=lambda i: int(i.split("-")[1])) == [f"RISK-{n}" for n in range(1, WRITERS * PER_WRITER + 1)]
    with database.read() as s:
        report = history.verify(s)
    assert report.ok, report.problem
    assert report.events == WRITERS * PER_WRITER


def test_two_editors_of_one_version_one_wins(database: Database) -> None:
    with database.session() as s:
        risk = RiskService(s, "alice").create({"title": "Shared"})
    start = threading.Barrier(2)

    def edit(name: str) -> str:
        start.wait()
        try:
            with database.session() as s:
                RiskService(s, name).update(risk.id, risk.version, {"description": f"by {name}"})
            return "ok"
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(edit, ["alice", "bob"]))
    assert outcomes == ["conflict", "ok"]
    with database.read() as s:
        final = RiskService(s, "viewer").get(risk.id)
        assert final.version == 2
        assert [e.action for e in history.events_for(s, risk.id)] == ["create", "update"]


def test_rolled_back_creates_give_their_number_back(database: Database) -> None:
    def abandon() -> None:
        with database.session() as s:
            RiskService(s, "alice").create({"title": "abandoned"})
            raise RuntimeError("abort")

    for _ in range(3):
        with pytest.raises(RuntimeError):
            abandon()
    with database.session() as s:
        assert RiskService(s, "alice").create({"title": "kept"}).id == "RISK-1"
