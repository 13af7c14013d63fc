"""Fetching repositories to scan from real local git servers (``git daemon`` and file://):
shallow clones in a bounded cache, incremental rescans from the clone's last commit, nothing
the repository configures runs, failures are one line without the token."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.org.kit import VARIANTS, commit, git, make_repo

from openaims.org import service
from openaims.org.checkout import CloneCache
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.models.org import OrgRepository
from openaims.register.org.sources import SourceKind
from openaims.settings import Settings

ALICE = Actor("alice")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A ``git daemon`` serving bare repositories under ``served/``: (base URL, bare folder, work folder)."""
    bare, work = tmp_path / "served", tmp_path / "work"
    bare.mkdir()
    work.mkdir()
    port = _free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", f"--port={port}",
         f"--base-path={bare}", str(bare)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"git://127.0.0.1:{port}", bare, work
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def publish(work: Path, bare: Path, name: str, files: dict[str, str]) -> Path:
    """A repository in ``work/name`` with a bare copy served as ``name.git``."""
    make_repo(work / name, files, bare_copy=bare / f"{name}.git")
    git(work / name, "remote", "add", "origin", str(bare / f"{name}.git"))
    return work / name


def push(repo: Path) -> None:
    git(repo, "push", "-q", "origin", "main")


def settings_for(db: Database, tmp_path: Path, **extra: object) -> Settings:
    return Settings(database_url=db.url, org_cache_dir=tmp_path / "cache", org_workers=1, **extra)  # type: ignore[arg-type]


def scan(db: Database, settings: Settings, mode: service.Mode = service.Mode.CHANGED) -> list:  # type: ignore[type-arg]
    planned = service.plan(db, ALICE, settings, mode=mode, engine=service.Engine.LOCAL)
    return service.execute(settings, planned, workers=1)


def test_git_daemon_and_file_urls_are_fetched_shallow_and_rescanned_incrementally(
    served: tuple[str, Path, Path], database: Database, tmp_path: Path
) -> None:
    base, bare, work = served
    api = publish(work, bare, "api", VARIANTS[0])
    publish(work, bare, "bot", VARIANTS[1])
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.URLS, "team",
                       urls=[f"{base}/api.git", f"file://{bare / 'bot.git'}"])  # fmt: skip
    outcomes = {o.repository: o for o in scan(database, settings)}
    assert {name: o.state for name, o in outcomes.items()} == {"api": "done", "bot": "done"}
    clones = [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]
    assert len(clones) == 2
    for clone in clones:
        assert (clone / ".git" / "shallow").exists()  # depth 1

    assert scan(database, settings) == []  # nothing moved

    commit(api, {"agent.py": "import anthropic\n"})
    push(api)
    (outcome,) = scan(database, settings)
    assert (outcome.repository, outcome.incremental, outcome.files_scanned) == ("api", True, 1)
    with database.read() as session:
        heads = dict(session.execute(select(OrgRepository.name, OrgRepository.last_scanned_commit)).all())
    assert heads["api"] == git(api, "rev-parse", "HEAD")


def test_nothing_the_repository_configures_runs(served: tuple[str, Path, Path], database: Database,
                                                tmp_path: Path) -> None:  # fmt: skip
    base, bare, work = served
    marker = tmp_path / "ran"
    hostile = {
        **VARIANTS[0],
        ".gitattributes": "*.py filter=evil\n* diff=evil\n",
        "link": "",
    }
    repo = publish(work, bare, "hostile", hostile)
    # A symbolic link out of the tree, committed as a link.
    (repo / "link").unlink()
    (repo / "link").symlink_to("/etc/passwd")
    commit(repo, {})
    push(repo)
    # What the served repository configures for itself (a fetch never reads it; a checkout of it would).
    for key, value in (("core.fsmonitor", f"touch {marker}"), ("filter.evil.smudge", f"touch {marker}"),
                       ("uploadpack.packObjectsHook", f"touch {marker}")):  # fmt: skip
        git(bare / "hostile.git", "config", key, value)
    hooks = bare / "hostile.git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for hook in ("pre-upload-pack", "post-checkout", "post-merge"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / hook).chmod(0o755)
    settings = settings_for(database, tmp_path)
    service.add_source(database, ALICE, SourceKind.URLS, "hostile",
                       urls=[f"{base}/hostile.git", f"file://{bare / 'hostile.git'}"])  # fmt: skip
    outcomes = scan(database, settings)
    assert [o.state for o in outcomes] == ["done", "done"]
    assert not marker.exists()
    for clone in (tmp_path / "cache").iterdir():
        if clone.is_dir():
            link = clone / "link"
            assert link.exists()
            assert not link.is_symlink()  # checked out as a plain file holding the target's name


def test_the_cache_stays_within_its_bound(tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache", max_bytes=1)
    for name in ("a", "b", "c"):
        with cache.lease(name) as slot:
            (slot / "data").write_bytes(b"x" * 1000)
        time.sleep(0.01)
    with cache.lease("d") as slot:
        (slot / "data").write_bytes(b"x" * 1000)
        removed = cache.evict(keep=slot)
        assert slot.exists()
    assert sorted(p.name.split("-")[0] for p in removed) == ["a", "b", "c"]


def test_a_busy_clone_is_never_evicted(tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache", max_bytes=1)
    with cache.lease("busy") as busy:
        (busy / "data").write_bytes(b"x" * 1000)
        other = CloneCache(tmp_path / "cache", max_bytes=1)
        with other.lease("new") as slot:
            other.evict(keep=slot)
        assert busy.exists()


def test_unreachable_server_and_bad_token_are_recorded_without_the_token(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "".join(["glpat", "-", "Qx8Vb2", "Nm4Kp7" * 3])
    monkeypatch.setenv("AIMS_TEST_GITLAB_TOKEN", secret)
    port = _free_port()
    from openaims.register.org import sources

    with database.session() as session:
        source = sources.add_source(session, ALICE, SourceKind.GITLAB, "acme", token_env="AIMS_TEST_GITLAB_TOKEN",
                                    api_url=f"http://127.0.0.1:{port}/api/v4")  # fmt: skip
        sources.record_listing(session, ALICE, source.id, [
            sources.Listed("acme/gone", f"http://127.0.0.1:{port}/acme/gone.git"),
            sources.Listed("acme/missing", f"file://{tmp_path / 'nowhere.git'}"),
        ])  # fmt: skip
    settings = settings_for(database, tmp_path, job_retries=1)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    outcomes = {o.repository: o for o in scan(database, settings)}
    assert time.monotonic() - started >= 1.0  # the unreachable server was tried again after a back-off
    assert {name: o.state for name, o in outcomes.items()} == {"acme/gone": "failed", "acme/missing": "failed"}
    with database.read() as session:
        errors = dict(session.execute(select(OrgRepository.name, OrgRepository.last_error)).all())
    assert "cannot fetch the repository" in (errors["acme/gone"] or "")
    assert "cannot fetch the repository" in (errors["acme/missing"] or "")
    for text in [*errors.values(), caplog.text, *(o.error or "" for o in outcomes.values())]:
        assert secret not in (text or "")
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
