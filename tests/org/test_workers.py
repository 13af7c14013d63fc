"""Jobs on real Celery workers with Redis as the broker and a PostgreSQL register: two
``aims worker`` processes scan 200 local repositories; one is killed mid-run (its whole
process group, with SIGKILL) and the run still ends with exactly one result per repository."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.org.kit import checkouts
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

from openaims.org import service
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.models.org import CheckResult, OrgJob, OrgRepository
from openaims.register.org.sources import SourceKind
from openaims.register.testing import upgraded_template
from openaims.settings import Settings

pytestmark = pytest.mark.postgres

ALICE = Actor("alice")
REPOSITORIES = 200


@pytest.fixture
def team(postgres_server: PostgresServer, redis_server: RedisServer, tmp_path: Path) -> Iterator[dict[str, str]]:
    url = postgres_server.create_database("aims_workers")
    upgraded_template(url)
    env = {
        **os.environ,
        "AIMS_DATABASE_URL": url,
        "AIMS_BROKER_URL": redis_server.fresh_url(),
        "AIMS_VISIBILITY_TIMEOUT": "15",
        "AIMS_ORG_CACHE_DIR": str(tmp_path / "cache"),
        "AIMS_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    yield env
    postgres_server.drop_database(url)


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "openaims", "worker", "--concurrency", "2", "--hostname", f"{name}@%h",
             "--loglevel", "WARNING"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def states(db: Database, run_id: int) -> dict[str, int]:
    with db.read() as session:
        rows = session.execute(
            select(OrgJob.state, func.count()).where(OrgJob.run_id == run_id).group_by(OrgJob.state)
        ).all()
    return {str(state): int(count) for state, count in rows}


def test_two_workers_one_killed_mid_run_lose_nothing_and_duplicate_nothing(
    team: dict[str, str], tmp_path: Path
) -> None:
    checkouts(tmp_path / "checkouts", REPOSITORIES)
    settings = Settings(database_url=team["AIMS_DATABASE_URL"], broker_url=team["AIMS_BROKER_URL"])
    db = Database(settings.database_url)
    workers = {name: start_worker(team, name, tmp_path / f"{name}.log") for name in ("alpha", "beta")}
    try:
        service.add_source(db, ALICE, SourceKind.DIR, str(tmp_path / "checkouts"))
        planned = service.plan(db, ALICE, settings, mode=service.Mode.ALL, engine=service.Engine.CELERY)
        service.execute(settings, planned)
        run_id = planned.run.run_id

        deadline = time.monotonic() + 300
        while states(db, run_id).get("done", 0) < 30:
            assert time.monotonic() < deadline, states(db, run_id)
            assert all(w.poll() is None for w in workers.values()), (tmp_path / "alpha.log").read_text()
            time.sleep(0.2)
        with db.read() as session:
            held = set(session.execute(
                select(OrgJob.id).where(OrgJob.run_id == run_id, OrgJob.state == "running",
                                        OrgJob.worker.like("alpha@%"))
            ).scalars())  # fmt: skip
        os.killpg(workers["alpha"].pid, signal.SIGKILL)
        workers["alpha"].wait(timeout=30)

        while states(db, run_id).get("done", 0) + states(db, run_id).get("failed", 0) < REPOSITORIES:
            assert time.monotonic() < deadline, states(db, run_id)
            time.sleep(0.5)
        assert states(db, run_id) == {"done": REPOSITORIES}

        with db.read() as session:
            results = session.execute(select(CheckResult.job_id, CheckResult.repository)).all()
            jobs = dict(session.execute(select(OrgJob.id, OrgJob.worker)).all())
            scanned = session.execute(
                select(func.count()).select_from(OrgRepository).where(OrgRepository.last_scanned_commit.is_not(None))
            ).scalar_one()
        assert len(results) == REPOSITORIES
        assert {job for job, _ in results} == set(jobs)
        assert len({repo for _, repo in results}) == REPOSITORIES
        assert scanned == REPOSITORIES
        assert held, "alpha had no job in hand when it was killed"
        assert all(jobs[job].startswith("beta@") for job in held)
    finally:
        for process in workers.values():
            stop(process)
        db.dispose()


def test_worker_health_check_answers_while_it_runs(team: dict[str, str], tmp_path: Path) -> None:
    def ping() -> int:
        return subprocess.run(
            [sys.executable, "-m", "openaims", "worker", "--ping", "--hostname", "probe@%h"],
            env=team, capture_output=True, timeout=60,
        ).returncode  # fmt: skip

    assert ping() == 1
    worker = start_worker(team, "probe", tmp_path / "probe.log")
    try:
        deadline = time.monotonic() + 120
        while ping() != 0:
            assert worker.poll() is None, (tmp_path / "probe.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(1)
    finally:
        stop(worker)
    assert ping() == 1
