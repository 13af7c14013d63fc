"""Concurrent writers get distinct ids, lose no history event, and lost updates are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from openaims.errors import ConflictError
from openaims.register import history
from openaims.register.db import Database
from openaims.register.services import RiskService

AIMS = Path(sys.executable).with_name("aims")
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


def _aims(url: str, actor: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATABASE_URL=url, AIMS_ACTOR=actor, AIMS_EVIDENCE_DIR=str(cwd / "evidence"))
    return subprocess.run([str(AIMS), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _cli_writer(url: str, actor: str, cwd: Path, changes: int, start: threading.Barrier) -> tuple[list[int], int]:
    """``changes`` edits of RISK-1 as a script would make them: read the version, update with it,
    and on a conflict read again. The versions its accepted edits made, and its conflicts."""
    start.wait()
    made: list[int] = []
    conflicts = 0
    for i in range(changes):
        while True:
            shown = _aims(url, actor, cwd, "risk", "show", "RISK-1", "--format", "json")
            assert shown.returncode == 0, shown.stderr
            version = json.loads(shown.stdout)["version"]
            done = _aims(url, actor, cwd, "risk", "update", "RISK-1", "--version", str(version),
                         "--description", f"{actor} {i}")  # fmt: skip
            if done.returncode == 0:
                made.append(version + 1)
                break
            assert done.returncode == 1, done.stderr
            assert done.stderr.count("\n") == 1, done.stderr
            assert done.stderr.startswith("aims: error: RISK-1 is at version "), done.stderr
            assert "reload it and apply your change again" in done.stderr
            conflicts += 1
    return made, conflicts


def test_two_command_line_writers_lose_no_update(db_url: str, tmp_path: Path) -> None:
    """Two processes editing one record through ``aims``: every edit lands once, a stale one is
    refused with one line (exit 1) and made again; the history holds every accepted edit."""
    assert _aims(db_url, "alice", tmp_path, "risk", "add", "--title", "Shared").returncode == 0
    changes = 3
    start = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda actor: _cli_writer(db_url, actor, tmp_path, changes, start), ["alice", "bob"]))
    versions = sorted(v for made, _ in results for v in made)
    assert versions == list(range(2, 2 + 2 * changes))  # no two accepted edits made the same version
    shown = json.loads(_aims(db_url, "alice", tmp_path, "risk", "show", "RISK-1", "--format", "json").stdout)
    assert shown["version"] == 1 + 2 * changes
    last = "alice" if max(results[0][0]) > max(results[1][0]) else "bob"
    assert shown["description"] == f"{last} {changes - 1}"
    database = Database(db_url)
    try:
        with database.read() as s:
            events = history.events_for(s, "RISK-1")
            assert [e.action for e in events] == ["create"] + ["update"] * (2 * changes)
            assert history.verify(s).ok
    finally:
        database.dispose()
