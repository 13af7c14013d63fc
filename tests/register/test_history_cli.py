"""``aims history verify|checkpoint`` and ``aims keys`` as a user runs them: damage is exit 1 with the
record, account or event named, never an internal error (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.support.cli import run

from openaims.register.db import normalise_url, sqlite_path


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_KEY_FILE", str(tmp_path / "keys" / "organisation-key.pem"))
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)
    monkeypatch.delenv("AIMS_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("AIMS_PUBLIC_KEY_FILE", raising=False)
    return db_url


def _sql(url: str, *statements: str) -> None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _records(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "system", "add", "--name", "Credit scoring")[0] == 0
    assert run(capsys, "risk", "add", "--title", "Bias against young applicants", "--system-ids", "SYS-1")[0] == 0
    assert run(capsys, "risk", "update", "RISK-1", "--version", "1", "--description", "Age proxy")[0] == 0


def test_verify_reports_every_area_on_an_intact_register(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    _records(capsys)
    code, out, err = run(capsys, "history", "verify")
    assert (code, err.strip()) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("History intact: 3 event(s)")
    assert [line.split()[:2] for line in lines[1:] if line and not line.startswith(" ")] == [
        ["Storage", "ok"], ["Schema", "ok"], ["History", "ok"], ["Records", "ok"], ["Accounts", "ok"],
        ["Checkpoints", "-"],
    ]  # fmt: skip
    assert "2 of 2 records match their last event" in out


def test_a_record_edited_in_the_database_fails_verify_naming_record_and_field(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    _records(capsys)
    _sql(cli_env, "UPDATE risks SET residual_rating = 'low', description = 'none' WHERE id = 'RISK-1'")
    code, out, err = run(capsys, "history", "verify")
    assert code == 1
    assert err.startswith("aims: error: RISK-1: changed outside OpenAIMS: description is 'none', recorded 'Age proxy'; ")
    assert "residual_rating is 'low', recorded None" in err
    assert "- RISK-1: changed outside OpenAIMS" in out
    code, out, _ = run(capsys, "history", "verify", "--format", "json")
    report = json.loads(out)
    assert (code, report["ok"], report["problem"]) == (1, False, None)
    assert [(f["area"], f["subject"]) for f in report["findings"]] == [("records", "RISK-1")]
    assert {a["area"]: a["ok"] for a in report["areas"]}["history"] is True


def test_an_account_raised_to_admin_in_the_database_fails_verify(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    from openaims.register.actors import Actor, Role
    from openaims.register.db import Database
    from openaims.register.services.accounts import AccountService

    database = Database(cli_env)
    with database.session() as s:
        AccountService(s, None).create("root", None, roles=["admin"])
        AccountService(s, Actor("root", roles=frozenset({Role.ADMIN}))).create("vik", None, roles=["viewer"])
    database.dispose()
    assert run(capsys, "history", "verify")[0] == 0
    _sql(cli_env, """UPDATE accounts SET roles = '["admin"]' WHERE username = 'vik'""")
    code, _, err = run(capsys, "history", "verify")
    assert code == 1
    assert err.startswith("aims: error: account 'vik': changed outside OpenAIMS: roles is ['admin'], recorded ['viewer']")


@pytest.mark.parametrize(
    "payload",
    ["'{\"title\": '", "''", "'{\"title\": NaN}'", "'" + "[" * 300 + "]" * 300 + "'", "'null'"],
    ids=["invalid", "empty", "nan", "300-deep", "null"],
)
def test_an_unreadable_event_payload_is_exit_1_not_an_internal_error(
    capsys: pytest.CaptureFixture[str], cli_env: str, payload: str
) -> None:
    _records(capsys)
    _sql(cli_env, f"UPDATE history_events SET after = {payload} WHERE seq = 2")
    code, _out, err = run(capsys, "history", "verify")
    assert code == 1, err
    assert err.startswith("aims: error: history chain broken at event #2 (RISK-1 create at ")
    assert "internal error" not in err
    code, _, err = run(capsys, "history", "show", "RISK-1")
    assert code in (0, 1)
    assert "internal error" not in err
    code, _, err = run(capsys, "history", "log")
    assert "internal error" not in err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL text columns cannot hold binary data
def test_a_binary_event_payload_is_exit_1_not_an_internal_error(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    _records(capsys)
    _sql(cli_env, "UPDATE history_events SET after = X'00FF10' WHERE seq = 2")
    code, _out, err = run(capsys, "history", "verify")
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("aims: error: history chain broken at event #2 (RISK-1 create at ")
    assert "binary data, not UTF-8 text" in err
    code, _, err = run(capsys, "history", "show", "RISK-1")
    assert code in (0, 1)
    assert "internal error" not in err


def test_missing_history_tables_are_exit_1(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    _records(capsys)
    for table in ("history_head", "history_events"):
        _sql(cli_env, f"ALTER TABLE {table} RENAME TO {table}_gone")
        try:
            code, _, err = run(capsys, "history", "verify")
        finally:
            _sql(cli_env, f"ALTER TABLE {table}_gone RENAME TO {table}")
        assert code == 1
        assert err.startswith(f"aims: error: table {table}: is missing: it was dropped outside OpenAIMS")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_damaged_database_file_is_exit_1(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    _records(capsys)
    path = sqlite_path(cli_env)
    assert path is not None
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    with path.open("r+b") as handle:  # the schema page: nothing can be read any more
        handle.seek(100)
        handle.write(b"\x5a" * 3000)
    code, _, err = run(capsys, "history", "verify")
    assert code == 1
    assert "is damaged: database disk image is malformed; restore the register from a backup" in err


def test_keys_and_checkpoints_from_the_command_line(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    _records(capsys)
    code, _, err = run(capsys, "history", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert (code, err.strip()) == (2, f"aims: error: no organisation key at {tmp_path / 'keys' / 'organisation-key.pem'}; "
                                      "create the organisation key with 'aims keys init' (or set AIMS_KEY_FILE to where "
                                      "it is kept)")  # fmt: skip
    code, out, _ = run(capsys, "keys", "init")
    assert code == 0
    key_file = tmp_path / "keys" / "organisation-key.pem"
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    assert (tmp_path / "keys" / "organisation-key.pub.pem").is_file()
    assert run(capsys, "keys", "init")[0] == 2  # never replaced by accident
    code, out, _ = run(capsys, "keys", "show")
    key_id = out.split()[2]
    assert code == 0
    assert len(key_id) == 16
    code, out, _ = run(capsys, "keys", "show", "--public")
    assert out.startswith("-----BEGIN PUBLIC KEY-----")

    checkpoint = tmp_path / "governance" / "checkpoints" / "2026-06-01.json"
    checkpoint.parent.mkdir(parents=True)
    code, out, _ = run(capsys, "history", "checkpoint", "-o", str(checkpoint))
    assert code == 0
    assert out.startswith("Signed the history up to event #3 (head ")
    assert run(capsys, "history", "checkpoint", "-o", str(checkpoint))[0] == 2  # kept, not replaced
    code, out, _ = run(capsys, "history", "verify", "--checkpoint", str(checkpoint))
    assert code == 0
    assert f"1 signed checkpoint(s), key {key_id}" in out

    # Someone with the database rewrites RISK-1's creator and recomputes every hash after it.
    engine = create_engine(normalise_url(cli_env))
    from openaims.register import history

    with engine.begin() as c:
        rows = c.execute(text("SELECT * FROM history_events ORDER BY seq")).mappings().all()
        prev = history.GENESIS
        for row in rows:
            actor = "mallory" if row["seq"] == 2 else row["actor"]
            digest = history.event_hash(
                seq=row["seq"], record_id=row["record_id"], record_type=row["record_type"], action=row["action"],
                actor=actor, at=row["at"], before=json.loads(row["before"]), after=json.loads(row["after"]),
                prev_hash=prev,
            )  # fmt: skip
            c.execute(text("UPDATE history_events SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                      {"a": actor, "p": prev, "h": digest, "s": row["seq"]})  # fmt: skip
            prev = digest
        c.execute(text("UPDATE history_head SET hash = :h"), {"h": prev})
    engine.dispose()
    assert run(capsys, "history", "verify")[0] == 0  # the chain alone cannot tell
    code, _, err = run(capsys, "history", "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert f"checkpoint {checkpoint} (event #3, signed by alice at " in err
    assert "the history was rebuilt" in err

    # An auditor with only the public key checks the same way.
    public = tmp_path / "auditor.pub.pem"
    public.write_text((tmp_path / "keys" / "organisation-key.pub.pem").read_text())
    key_file.unlink()
    code, _, err = run(capsys, "history", "verify", "--checkpoint", str(checkpoint), "--public-key", str(public))
    assert code == 1
    assert "rebuilt" in err
    code, _, err = run(capsys, "history", "verify", "--checkpoint", str(tmp_path / "nope.json"))
    assert (code, err.strip()) == (2, f"aims: error: no checkpoint file {tmp_path / 'nope.json'}")
