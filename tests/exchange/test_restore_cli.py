"""``aims init && aims demo-data && aims export a/``, import into an empty register, and
``aims history verify`` passes with the original event count (from SQLite and from PostgreSQL)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from tests.support.cli import run


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("AIMS_ACTOR", "AIMS_TOKEN", "AIMS_LIST_FORMAT", "AIMS_KEY_FILE", "AIMS_PUBLIC_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


def _events(capsys: pytest.CaptureFixture[str]) -> int:
    code, out, err = run(capsys, "history", "verify", "--format", "json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"], report["findings"]
    return int(report["events"])


@pytest.mark.parametrize("sign", [False, True], ids=["unsigned", "signed"])
def test_demo_export_restores_into_an_empty_register_with_the_same_chain(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str, sign: bool
) -> None:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(env / "evidence"))
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "demo-data")[0] == 0
    original = _events(capsys)
    if sign:
        assert run(capsys, "keys", "init")[0] == 0
    code, out, _ = run(capsys, "export", str(env / "a"))
    assert code == 0
    assert f", {original} history event(s) and " in out
    assert (env / "a" / "checkpoint.json").is_file() is sign

    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{env / 'restored.db'}")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(env / "evidence2"))
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, "import", str(env / "a"))
    assert code == 0, err
    assert re.match(rf"Restored the register as exported: \d+ record\(s\) and {original} history event\(s\)", out)
    assert "5 sign-in account(s) rebuilt from the history without passwords" in out
    assert _events(capsys) == original
    if sign:
        code, out, _ = run(capsys, "history", "verify", "--checkpoint", str(env / "a" / "checkpoint.json"))
        assert code == 0
        assert "1 signed checkpoint(s)" in out

    # The restored accounts have no password: the register acts as personal until an admin gets one.
    code, out, _ = run(capsys, "whoami")
    assert "Mode: personal until an account can sign in (5 account(s), none with a password yet)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-new-password\n"))
    code, _, err = run(capsys, "user", "set-password", "admin", "--password-stdin")
    assert code == 0, err
    assert _events(capsys) == original + 1  # the new password is an event of its own
    code, out, _ = run(capsys, "whoami")
    assert "Mode: team" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-new-password\n"))
    assert run(capsys, "login", "admin", "--password-stdin")[0] == 0
    code, _, err = run(capsys, "import", str(env / "a"))
    assert code == 1
    assert "already holds its own history" in err
