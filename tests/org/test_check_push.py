"""``aims check --push URL``: a CI job judges its repository by the organisation policy in
force on the server and records the result there with a 'ci' account's token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.org.kit import ORG_POLICY, VARIANTS, make_repo
from tests.web.conftest import PASSWORD, _cheap_password_hashing, web_settings

from openaims.register import org_policy
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.models.org import CheckResult, PolicyViolation
from openaims.register.services.accounts import AccountService

__all__ = ["_cheap_password_hashing"]

ADMIN = Actor("ada", frozenset({Role.ADMIN}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(database: Database) -> Iterator[tuple[str, dict[str, str]]]:
    """The application served over HTTP on a free port, and tokens: ci (scan:push), viewer (read)."""
    import uvicorn

    from openaims.web.app import create_app

    with database.session() as session:
        accounts = AccountService(session, ADMIN)
        accounts.create("ada", PASSWORD, roles=["admin"])
        accounts.create("mia", PASSWORD, roles=["aims_manager"])
        accounts.create("cici", PASSWORD, roles=["ci"])
        accounts.create("vic", PASSWORD, roles=["viewer"])
        tokens = {
            "ci": accounts.issue_token("cici", "pipeline", ["scan:push"]).secret,
            "viewer": accounts.issue_token("vic", "reading", ["read"]).secret,
        }
    with database.session() as session:
        draft = org_policy.propose(session, Actor("ada", frozenset({Role.ADMIN})), ORG_POLICY)
    with database.session() as session:
        org_policy.approve(session, Actor("mia", frozenset({Role.AIMS_MANAGER})), draft.id)
    port = _free_port()
    config = uvicorn.Config(create_app(database, web_settings=web_settings()), host="127.0.0.1", port=port,
                            log_level="warning")  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        running.should_exit = True
        thread.join(timeout=20)


def check(repo: Path, url: str, token: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AIMS_TOKEN": token, "GITHUB_REPOSITORY": "acme/bot", "COLUMNS": "200"}
    env.pop("GITHUB_SHA", None)
    return subprocess.run([sys.executable, "-m", "openaims", "check", str(repo), "--push", url, *extra],
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip


def test_ci_pushes_a_check_judged_by_the_organisation_policy(
    server: tuple[str, dict[str, str]], database: Database, tmp_path: Path
) -> None:
    url, tokens = server
    repo = tmp_path / "bot"
    head = make_repo(repo, {
        **VARIANTS[1],
        "aims-policy.yaml": "version: 1\nexceptions:\n  - match: provider:anthropic\n    owner: team\n"
                            "    reason: we like it\n    expires: 2099-01-01\n",
    })  # fmt: skip
    done = check(repo, url, tokens["ci"])
    assert done.returncode == 1, done.stdout + done.stderr  # the organisation rule fails despite the repo's exception
    assert "Pushed the check result of acme/bot" in done.stderr
    assert tokens["ci"] not in done.stdout + done.stderr
    with database.read() as session:
        result = session.execute(select(CheckResult.repository, CheckResult.origin, CheckResult.commit,
                                        CheckResult.actor, CheckResult.failed, CheckResult.policy_version)).one()
        violations = session.execute(select(PolicyViolation.rule, PolicyViolation.origin,
                                            PolicyViolation.status)).all()  # fmt: skip
    assert tuple(result)[:5] == ("acme/bot", "ci", head, "cici", True)
    assert result.policy_version is not None
    assert ("provider.prohibited", "organisation", "failing") in violations


def test_pushing_needs_a_token_that_may_push(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, tokens = server
    repo = tmp_path / "plain"
    make_repo(repo, VARIANTS[2])
    refused = check(repo, url, tokens["viewer"])
    assert refused.returncode == 2
    assert "refused" in refused.stderr
    assert tokens["viewer"] not in refused.stderr
    wrong = tokens["ci"][::-1]
    bad = check(repo, url, wrong)
    assert bad.returncode == 2
    assert wrong not in bad.stderr
    missing = check(repo, url, "")
    assert missing.returncode == 2
    assert "--push needs AIMS_TOKEN" in missing.stderr


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    make_repo(repo, VARIANTS[2])
    done = check(repo, f"http://127.0.0.1:{_free_port()}", "".join(["x"] * 20))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("aims: error: cannot reach 127.0.0.1")
    assert len(done.stderr.strip().splitlines()) == 1


def _stub_aims(folder: Path) -> Path:
    """An ``aims`` on PATH that records, per call, its arguments and whether it would push."""
    folder.mkdir()
    log = folder / "calls.txt"
    stub = folder / "aims"
    stub.write_text(f'#!/bin/sh\necho "$* push=${{AIMS_SERVER_URL:-}}" >> {log}\nexit 0\n')
    stub.chmod(0o755)
    return log


def test_ci_templates_push_once_per_job(tmp_path: Path) -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    log = _stub_aims(tmp_path / "bin")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "AIMS_SERVER_URL": "https://aims.example",
           "AIMS_TOKEN": "x" * 20, "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "out"),
           "SARIF_FILE": "r.sarif", "ANNOTATIONS": "true", "AIMS_POLICY": "", "AIMS_BASELINE": "",
           "INPUT_DIFF_BASE": ""}  # fmt: skip
    gitlab = yaml.safe_load((root / "integrations/gitlab/aims-check.gitlab-ci.yml").read_text())
    action = yaml.safe_load((root / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    for script in ("\n".join(gitlab[".aims-check"]["script"]), step["run"]):
        log.write_text("")
        subprocess.run(["bash", "-c", script], env=env, cwd=tmp_path, check=True, capture_output=True)
        calls = log.read_text().splitlines()
        assert len(calls) == 2, calls
        assert [c.endswith("push=https://aims.example") for c in calls] == [True, False], calls
    assert {"server-url", "server-token"} <= set(action["inputs"])
