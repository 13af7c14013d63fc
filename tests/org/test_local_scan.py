"""The embedded default: a folder of checkouts inventoried on SQLite with no services, rescans
that read only what changed, failures recorded with their reason while the run goes on, and a
job that runs twice recorded once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.org.kit import ORG_POLICY, VARIANTS, checkouts, commit, make_repo
from tests.web.conftest import PASSWORD, _cheap_password_hashing, sign_in, web_settings

from openaims.org import service
from openaims.org.job import run_job
from openaims.register import org_policy
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.models.org import CheckResult, OrgJob, OrgRepository, PolicyViolation
from openaims.register.models.systems import Component
from openaims.register.org.sources import SourceKind
from openaims.reports.dashboard import build_dashboard
from openaims.settings import Settings

__all__ = ["_cheap_password_hashing"]

ALICE = Actor("alice")
BOB = Actor("bob")


def aims(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openaims", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "200", "AIMS_ORG_WORKERS": "2", **(env or {})},
    )  # fmt: skip


def settings_for(db: Database, tmp_path: Path) -> Settings:
    return Settings(database_url=db.url, org_cache_dir=tmp_path / "cache", org_workers=1)


def approve_policy(db: Database, text: str = ORG_POLICY) -> str:
    with db.session() as session:
        draft = org_policy.propose(session, ALICE, text)
    with db.session() as session:
        return org_policy.approve(session, BOB, draft.id).id


def scan(db: Database, settings: Settings, mode: service.Mode = service.Mode.CHANGED) -> list:  # type: ignore[type-arg]
    planned = service.plan(db, ALICE, settings, mode=mode, engine=service.Engine.LOCAL)
    return service.execute(settings, planned, workers=1)


def test_a_folder_of_20_checkouts_is_inventoried_on_sqlite_and_shown_on_the_dashboard(tmp_path: Path) -> None:
    folder = tmp_path / "checkouts"
    repos = checkouts(folder, 20)
    (tmp_path / "org.yaml").write_text(ORG_POLICY)
    env = {"AIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'aims.db'}", "AIMS_BROKER_URL": ""}
    assert aims(tmp_path, "init", env=env).returncode == 0
    added = aims(tmp_path, "org", "source", "add", "--dir", str(folder), env=env)
    assert added.returncode == 0, added.stderr
    assert "dir:checkouts: 20 new, 0 archived, 0 deleted" in added.stdout
    assert aims(tmp_path, "org", "policy", "set", "org.yaml", "--actor", "alice", env=env).returncode == 0
    assert aims(tmp_path, "org", "policy", "approve", "--actor", "bob", env=env).returncode == 0

    scanned = aims(tmp_path, "org", "scan", env=env)
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert "20 of 20 repositories scanned" in scanned.stdout

    status = json.loads(aims(tmp_path, "org", "status", "--format", "json", env=env).stdout)
    (source,) = status["sources"]
    assert (source["scanned"], source["failed"]) == (20, 0)
    anthropic = {r.name for i, r in enumerate(repos) if i % len(VARIANTS) == 1}
    assert {r["name"] for r in source["repositories"] if r["failing"]} == anthropic
    assert all(len(r["last_scanned_commit"]) == 40 for r in source["repositories"])

    db = Database(env["AIMS_DATABASE_URL"])
    try:
        with db.read() as session:
            dashboard = build_dashboard(session, ALICE)
        compliance = dashboard.compliance
        assert compliance is not None
        assert (compliance.repositories_checked, compliance.repositories_compliant) == (20, 20 - len(anthropic))
        assert [(r.rule, r.repositories) for r in compliance.violations_by_rule if r.failing] == [
            ("provider.prohibited", len(anthropic))
        ]
        assert dashboard.components_total > 20

        from openaims.register.services.accounts import AccountService
        from openaims.web.app import create_app

        with db.session() as session:
            AccountService(session, Actor("setup", frozenset({Role.ADMIN}))).create("ada", PASSWORD, roles=["admin"])
        app = create_app(db, web_settings=web_settings())
        browser, _ = sign_in(app, "ada")
        page = browser.get("/").text
        assert "Policy compliance across repositories" in page
        assert f"compliant ({20 - len(anthropic)} of 20)" in page
        for name in anthropic:
            assert name in page
        source_page = browser.get("/org/sources/1").text
        for repo in repos:
            assert repo.name in source_page
    finally:
        db.dispose()


def test_rescan_reads_only_changed_files_and_keeps_the_rest(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "checkouts"
    first, second = checkouts(folder, 2)
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.DIR, str(folder))
    assert [o.state for o in scan(database, settings)] == ["done", "done"]
    with database.read() as session:
        before = dict(session.execute(select(OrgRepository.name, OrgRepository.findings)).all())

    head = commit(first, {"extra.py": "import anthropic\n"})
    outcomes = scan(database, settings)
    assert [(o.repository, o.state, o.incremental, o.files_scanned) for o in outcomes] == [
        (first.name, "done", True, 1)
    ]
    assert outcomes[0].commit == head
    with database.read() as session:
        after = dict(session.execute(select(OrgRepository.name, OrgRepository.findings)).all())
        names = set(session.execute(select(Component.name).where(Component.repository == first.name,
                                                                 Component.disappeared.is_(False))).scalars())  # fmt: skip
    assert after[second.name] == before[second.name]
    assert after[first.name] > before[first.name]
    assert {"openai", "anthropic"} <= names

    commit(first, {"requirements.txt": "requests\n"}, remove=("extra.py",))
    (outcome,) = scan(database, settings)
    assert (outcome.incremental, outcome.files_scanned) == (True, 1)
    with database.read() as session:
        gone = set(session.execute(select(Component.name).where(Component.repository == first.name,
                                                                Component.disappeared.is_(True))).scalars())  # fmt: skip
    assert "anthropic" in gone

    everything = scan(database, settings, service.Mode.ALL)
    assert [(o.incremental, o.state) for o in everything] == [(False, "done"), (False, "done")]


def test_violations_are_remediated_when_a_check_no_longer_finds_them(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "checkouts"
    repo = folder / "bot"
    make_repo(repo, VARIANTS[1])
    settings = settings_for(database, tmp_path)
    approve_policy(database)
    service.add_source(database, ALICE, SourceKind.DIR, str(folder))
    (outcome,) = scan(database, settings)
    assert outcome.failing >= 1
    commit(repo, {"requirements.txt": "requests\n", "bot.py": "print('done with it')\n"})
    (outcome,) = scan(database, settings)
    assert outcome.failing == 0
    with database.read() as session:
        rows = session.execute(select(PolicyViolation.status, PolicyViolation.remediated_at)).all()
        dashboard = build_dashboard(session, ALICE)
    assert rows
    assert all(status == "remediated" and when is not None for status, when in rows)
    assert dashboard.compliance is not None
    assert dashboard.compliance.remediated == len(rows)
    assert dashboard.compliance.remediation_days_median is not None


def test_failures_are_recorded_with_one_line_and_the_run_goes_on(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "checkouts"
    make_repo(folder / "good", VARIANTS[0])
    make_repo(folder / "bad-policy", {**VARIANTS[0], "aims-policy.yaml": "version: 1\nproviders: [oops\n"})
    broken = folder / "broken"
    make_repo(broken, VARIANTS[2])
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.DIR, str(folder))
    shutil.rmtree(broken / ".git")
    (broken / ".git").write_text(f"gitdir: {tmp_path / 'gone'}\n")  # a checkout whose repository was moved away
    outcomes = {o.repository: o for o in scan(database, settings)}
    assert outcomes["good"].state == "done"
    assert outcomes["bad-policy"].state == "failed"
    assert "aims-policy.yaml is not valid" in (outcomes["bad-policy"].error or "")
    with database.read() as session:
        errors = dict(session.execute(select(OrgRepository.name, OrgRepository.last_error)).all())
    assert errors["good"] is None
    for name in ("bad-policy", "broken"):
        assert errors[name]
        assert "\n" not in errors[name]


def test_a_job_run_twice_records_one_result(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "checkouts"
    checkouts(folder, 1)
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.DIR, str(folder))
    planned = service.plan(database, ALICE, settings, mode=service.Mode.ALL, engine=service.Engine.LOCAL)
    (job_id,) = planned.run.jobs
    assert run_job(job_id, settings).state == "done"
    assert run_job(job_id, settings).state == "duplicate"
    with database.read() as session:
        assert session.execute(select(func.count()).select_from(CheckResult)).scalar_one() == 1
        assert session.execute(select(OrgJob.attempts, OrgJob.state)).one() == (1, "done")


@pytest.mark.parametrize("workers", [2])
def test_the_local_pool_runs_jobs_in_several_processes(database: Database, tmp_path: Path, workers: int) -> None:
    folder = tmp_path / "checkouts"
    checkouts(folder, 4)
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.DIR, str(folder))
    planned = service.plan(database, ALICE, settings, mode=service.Mode.ALL, engine=service.Engine.LOCAL)
    outcomes = service.execute(settings, planned, workers=workers)
    assert sorted(o.state for o in outcomes) == ["done"] * 4
    with database.read() as session:
        workers_seen = set(session.execute(select(OrgJob.worker)).scalars())
    assert len(workers_seen) >= 1


def test_a_file_cut_short_fails_the_repository_and_stays_failing_on_a_rescan(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.discovery.engine.hostile_trees import safetensors_tree

    from openaims.discovery import model_formats

    monkeypatch.setattr(model_formats, "MAX_SAFETENSORS_TENSORS", 1000)
    folder = tmp_path / "checkouts"
    repo = folder / "weights"
    make_repo(repo, {"README.md": "weights\n"})
    safetensors_tree(repo, tensors=5000)
    commit(repo, {})
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.DIR, str(folder))
    (outcome,) = scan(database, settings)
    assert outcome.failing == 1
    commit(repo, {"notes.txt": "more\n"})
    (outcome,) = scan(database, settings)
    assert (outcome.incremental, outcome.failing) == (True, 1)
    with database.read() as session:
        rows = set(session.execute(select(PolicyViolation.rule, PolicyViolation.path, PolicyViolation.status)).all())
    assert rows == {("scan.incomplete", "model.safetensors", "failing")}
