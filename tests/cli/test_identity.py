"""Who the command line acts as: personal mode, team mode with aims login or AIMS_TOKEN, CI accounts.

Each refusal is checked against the database: nothing was written.
"""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from openaims.cli import main as cli_main
from openaims.register.db import Database
from openaims.register.models.internal import HistoryEvent
from openaims.register.services import SystemService

PASSWORD = "correct horse battery"


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:  # fmt: skip
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exc:
        cli_main.main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> Path:
    """A register and a configuration folder of our own; no actor or token set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "home" / "config"))
    for name in ("AIMS_ACTOR", "AIMS_TOKEN", "AIMS_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home" / "config"


def events(db_url: str) -> int:
    db = Database(db_url)
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(HistoryEvent)).scalar_one())
    finally:
        db.dispose()


def systems(db_url: str) -> list[tuple[str, str]]:
    db = Database(db_url)
    try:
        with db.read() as s:
            return [(x.name, x.created_by) for x in SystemService(s, "reader").all()]
    finally:
        db.dispose()


def add_account(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str, role: str) -> None:
    code, _out, err = run(capsys, "user", "add", name, "--role", role, "--name", name.title(), "--password-stdin",
                         stdin=PASSWORD + "\n", monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0, err


def team(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A register with an admin (the first account) and a contributor, nobody signed in."""
    add_account(capsys, monkeypatch, "root", "admin")  # personal mode: the local operator adds the first account
    login(capsys, monkeypatch, "root")
    add_account(capsys, monkeypatch, "carol", "contributor")
    add_account(capsys, monkeypatch, "ci-bot", "ci")
    assert run(capsys, "logout")[0] == 0


def login(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    code, out, err = run(capsys, "login", name, "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert code == 0, err
    return out


def test_personal_mode_needs_no_sign_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str
) -> None:
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    code, out, err = run(capsys, "system", "add", "--name", "Chatbot")
    assert (code, err) == (0, "")
    assert systems(db_url) == [("Chatbot", "alice")]
    code, out, _ = run(capsys, "whoami")
    assert code == 0
    assert "Mode: personal" in out
    assert "Acting as: alice (AIMS_ACTOR), with admin rights" in out
    monkeypatch.delenv("AIMS_ACTOR")
    code, out, _ = run(capsys, "whoami", "--format", "json")
    data = json.loads(out)
    assert (data["mode"], data["via"], data["roles"], data["can_write"]) == ("personal", "os-user", ["admin"], True)
    code, _, err = run(capsys, "login", "alice", "--password-stdin", stdin="x\n", monkeypatch=monkeypatch)
    assert code == 2
    assert "no accounts (personal mode)" in err


def test_team_mode_refuses_writes_without_sign_in_and_self_asserted_actors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str
) -> None:
    team(capsys, monkeypatch)
    before = events(db_url)
    code, _, err = run(capsys, "system", "add", "--name", "Chatbot")
    assert code == 1
    assert err.count("\n") == 1
    assert "changes need a signed-in account" in err
    assert "aims login" in err
    monkeypatch.setenv("AIMS_ACTOR", "root")  # even a real account's name is only a claim
    code, _, err = run(capsys, "system", "add", "--name", "Chatbot")
    assert code == 1
    assert "'root' was given with --actor or AIMS_ACTOR" in err
    assert "aims login" in err
    code, _, err = run(capsys, "system", "add", "--name", "Chatbot", "--actor", "mallory")
    assert code == 1
    assert (events(db_url), systems(db_url)) == (before, [])
    # Reading needs no sign-in.
    code, out, _ = run(capsys, "system", "list", "--format", "json")
    assert (code, json.loads(out)["total"]) == (0, 0)
    code, out, _ = run(capsys, "whoami")
    assert "Mode: team (3 account(s)" in out
    assert "Not signed in" in out


def test_login_stores_a_token_outside_the_repository_and_the_account_acts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str, tmp_path: Path
) -> None:
    team(capsys, monkeypatch)
    out = login(capsys, monkeypatch, "carol")
    assert "Signed in as carol (Carol; contributor)" in out
    stored = env / "logins.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    secret = json.loads(stored.read_text())["registers"]
    assert len(secret) == 1
    token = next(iter(secret.values()))["token"]
    # Only the configuration folder holds the secret: not the working tree, not the register.
    holders = [p for p in tmp_path.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
    assert holders == [stored]
    code, out, err = run(capsys, "system", "add", "--name", "Chatbot")
    assert (code, err) == (0, "")
    assert systems(db_url) == [("Chatbot", "carol")]
    code, out, _ = run(capsys, "whoami", "--format", "json")
    data = json.loads(out)
    assert (data["mode"], data["actor"], data["roles"], data["via"]) == ("team", "carol", ["contributor"], "aims login")
    # The account's roles apply: a contributor cannot manage accounts.
    before = events(db_url)
    code, _, err = run(capsys, "user", "token", "carol", "--scope", "write")
    assert code == 1
    assert "only an admin" in err
    assert events(db_url) == before
    # Naming yourself is harmless; naming someone else is refused.
    code, _, _ = run(capsys, "system", "add", "--name", "Scoring", "--actor", "carol")
    assert code == 0
    code, _, err = run(capsys, "system", "add", "--name", "Forged", "--actor", "root")
    assert code == 1
    assert "signed in as carol" in err
    assert [n for n, _ in systems(db_url)] == ["Chatbot", "Scoring"]
    # Sign-out revokes the token: the stored secret no longer works anywhere.
    assert run(capsys, "logout")[0] == 0
    monkeypatch.setenv("AIMS_TOKEN", token)
    code, _, err = run(capsys, "system", "add", "--name", "After logout")
    assert code == 1
    assert "invalid, expired or revoked" in err


def test_wrong_password_stores_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path
) -> None:
    team(capsys, monkeypatch)
    code, _, err = run(capsys, "login", "carol", "--password-stdin", stdin="wrong password!\n", monkeypatch=monkeypatch)
    assert code == 1
    assert "wrong username or password" in err
    assert json.loads((env / "logins.json").read_text())["registers"] == {}


def test_aims_token_signs_in_with_its_scopes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str
) -> None:
    team(capsys, monkeypatch)
    login(capsys, monkeypatch, "root")
    code, out, _ = run(capsys, "user", "token", "carol", "--name", "read only", "--scope", "read")
    reader = out.strip().splitlines()[-1]
    code, out, _ = run(capsys, "user", "token", "carol", "--name", "writer", "--scope", "read", "--scope", "write")
    writer = out.strip().splitlines()[-1]
    assert run(capsys, "logout")[0] == 0
    monkeypatch.setenv("AIMS_TOKEN", reader)
    before = events(db_url)
    code, _, err = run(capsys, "system", "add", "--name", "Chatbot")
    assert code == 1
    assert "allows read, not 'write'" in err
    assert events(db_url) == before
    monkeypatch.setenv("AIMS_TOKEN", writer)
    code, _, err = run(capsys, "system", "add", "--name", "Chatbot")
    assert (code, err) == (0, "")
    assert systems(db_url) == [("Chatbot", "carol")]
    code, out, _ = run(capsys, "whoami", "--format", "json")
    assert (json.loads(out)["via"], json.loads(out)["actor"]) == ("AIMS_TOKEN", "carol")


def test_ci_account_pushes_scans_and_nothing_else(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str, tmp_path: Path
) -> None:
    team(capsys, monkeypatch)
    login(capsys, monkeypatch, "root")
    code, out, _ = run(capsys, "user", "token", "ci-bot", "--name", "pipeline", "--scope", "scan:push")
    token = out.strip().splitlines()[-1]
    assert run(capsys, "logout")[0] == 0
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("openai==1.30.0\n", encoding="utf-8")
    monkeypatch.setenv("AIMS_TOKEN", token)
    code, out, err = run(capsys, "inventory", "sync", str(repo))
    assert code == 0, err
    assert "1 new" in out
    db = Database(db_url)
    try:
        with db.read() as s:
            (proposed,) = SystemService(s, "reader").all()
            assert (proposed.status, proposed.owner, proposed.created_by) == ("proposed", None, "ci-bot")
    finally:
        db.dispose()
    before = events(db_url)
    code, _, err = run(capsys, "system", "add", "--name", "Not allowed")
    assert code == 1
    assert "allows scan:push, not 'write'" in err
    assert events(db_url) == before


def test_scan_ingest_is_for_managers_and_ci_accounts(database: Database) -> None:
    from openaims.discovery.interface import Finding, FindingKind
    from openaims.errors import PermissionDeniedError
    from openaims.register.actors import Actor, Role
    from openaims.register.ingest import sync_scan

    found = [Finding(kind=FindingKind.DEPENDENCY, name="openai", path="requirements.txt", line=1, provider="openai",
                     ecosystem="pypi", detector="test")]  # fmt: skip
    ci = Actor("ci-bot", frozenset({Role.CI}))
    with database.session() as s:
        report = sync_scan(s, ci, "org/repo", found)
        assert len(report.new) == 1
        with pytest.raises(PermissionDeniedError, match="may read records but not create"):
            SystemService(s, ci).create({"name": "Not through a scan"})
    for role in (Role.CONTRIBUTOR, Role.AUDITOR, Role.VIEWER):
        with database.session() as s, pytest.raises(PermissionDeniedError, match="role 'ci'"):
            sync_scan(s, Actor("someone", frozenset({role})), "org/other", found)


def _identity(db_url: str, username: str) -> tuple[str | None, str | None]:
    from openaims.register.models.accounts import Account

    db = Database(db_url)
    try:
        with db.read() as s:
            account = s.get(Account, username)
            assert account is not None
            return account.oidc_issuer, account.oidc_subject
    finally:
        db.dispose()


def test_an_admin_links_and_unlinks_an_openid_connect_identity(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str
) -> None:
    team(capsys, monkeypatch)
    monkeypatch.setenv("AIMS_OIDC_ISSUER", "https://idp.example.org/")

    login(capsys, monkeypatch, "carol")
    code, _out, err = run(capsys, "user", "link-oidc", "carol", "--subject", "248289761001")
    assert code == 1
    assert "only an admin" in err
    assert _identity(db_url, "carol") == (None, None)

    login(capsys, monkeypatch, "root")
    code, out, err = run(capsys, "user", "link-oidc", "carol", "--subject", "248289761001")
    assert code == 0, err
    assert "signs in as 248289761001 of https://idp.example.org" in out
    assert _identity(db_url, "carol") == ("https://idp.example.org", "248289761001")

    code, _out, err = run(capsys, "user", "link-oidc", "ci-bot", "--subject", "248289761001")
    assert code == 1
    assert "linked to account 'carol'" in err

    code, _out, err = run(capsys, "user", "link-oidc", "carol")
    assert code == 2
    assert "--subject" in err

    code, _out, err = run(capsys, "user", "link-oidc", "carol", "--unlink")
    assert code == 0, err
    assert _identity(db_url, "carol") == (None, None)


def test_history_verify_reports_an_identity_linked_outside_openaims(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str
) -> None:
    from sqlalchemy import update

    from openaims.register.models.accounts import Account

    team(capsys, monkeypatch)
    db = Database(db_url)
    try:
        with db.session() as s:
            s.execute(update(Account).where(Account.username == "root").values(
                oidc_issuer="https://attacker.example", oidc_subject="me"))  # fmt: skip
    finally:
        db.dispose()
    login(capsys, monkeypatch, "root")

    code, out, err = run(capsys, "history", "verify")

    assert code == 1, out + err
    assert "oidc_subject is 'me', recorded None" in out + err
