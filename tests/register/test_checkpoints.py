"""Signed checkpoints catch a history rebuilt with every hash recomputed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from openaims.errors import UsageError
from openaims.register import checkpoints, history, keys
from openaims.register.db import Database
from openaims.register.integrity import IntegrityReport, verify_register
from openaims.register.services import RiskService, SystemService


def _events(database: Database, risks: int = 3) -> None:
    with database.session() as s:
        SystemService(s, "alice").create({"name": "Chatbot"})
        for n in range(risks):
            RiskService(s, "alice").create({"title": f"Risk {n}", "system_ids": ["SYS-1"]})


@pytest.fixture
def key(tmp_path: Path) -> keys.OrganisationKey:
    return keys.create_key(tmp_path / "keys" / "organisation-key.pem")


def _checkpoint(database: Database, key: keys.OrganisationKey, path: Path) -> Path:
    with database.read() as s:
        document = checkpoints.make_checkpoint(s, key, actor="maria")
    path.write_text(checkpoints.dump(document))
    return path


def _verify(database: Database, key: keys.OrganisationKey, *files: Path) -> IntegrityReport:
    signed = [checkpoints.read_checkpoint(f, key.public) for f in files]
    with database.read() as s:
        return verify_register(s, checkpoints=signed)


def _rebuild(database: Database, *, seq: int, actor: str) -> None:
    """Alter event ``seq`` and recompute every hash after it and the head, as an attacker with the database could."""
    with database.engine.begin() as c:
        rows = c.execute(text("SELECT * FROM history_events ORDER BY seq")).mappings().all()
        prev = history.GENESIS
        for row in rows:
            who = actor if row["seq"] == seq else row["actor"]
            digest = history.event_hash(
                seq=row["seq"], record_id=row["record_id"], record_type=row["record_type"], action=row["action"],
                actor=who, at=row["at"], before=json.loads(row["before"]), after=json.loads(row["after"]),
                prev_hash=prev,
            )  # fmt: skip
            c.execute(
                text("UPDATE history_events SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"a": who, "p": prev, "h": digest, "s": row["seq"]},
            )
            prev = digest
        c.execute(text("UPDATE history_head SET hash = :h"), {"h": prev})


def test_key_file_is_private_and_its_public_half_is_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "k" / "organisation-key.pem"
    key = keys.create_key(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    public = keys.load_public_key(keys.public_key_path(path))
    assert public.key_id == key.key_id == keys.load_key(path).key_id
    assert len(key.key_id) == 16
    with pytest.raises(UsageError, match="already exists"):
        keys.create_key(path)
    assert keys.create_key(path, force=True).key_id != key.key_id


def test_an_encrypted_key_needs_its_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "organisation-key.pem"
    key = keys.create_key(path, passphrase="correct horse")
    assert b"ENCRYPTED" in path.read_bytes()
    assert keys.load_key(path, passphrase="correct horse").key_id == key.key_id
    with pytest.raises(UsageError, match="set AIMS_KEY_PASSPHRASE"):
        keys.load_key(path)
    with pytest.raises(UsageError, match="not an organisation key"):
        keys.load_key(path, passphrase="wrong")


def test_signed_documents_verify_only_unchanged_and_with_the_right_key(
    key: keys.OrganisationKey, tmp_path: Path
) -> None:
    envelope = keys.sign_document(key, {"approved": "DOC-1 v2", "by": "elena"})
    assert keys.open_document(envelope, key.public) == {"approved": "DOC-1 v2", "by": "elena"}
    assert keys.open_document(json.loads(json.dumps(envelope, indent=4)), key.public)["by"] == "elena"
    forged = json.loads(json.dumps(envelope))
    forged["payload"]["by"] = "mallory"
    with pytest.raises(keys.SignatureInvalidError, match="does not match its content"):
        keys.open_document(forged, key.public)
    other = keys.create_key(tmp_path / "other.pem")
    with pytest.raises(keys.SignatureInvalidError, match=f"signed by key '{key.key_id}'"):
        keys.open_document(envelope, other.public)
    with pytest.raises(UsageError, match="not a signed OpenAIMS document"):
        keys.open_document({"payload": {}}, key.public)


def test_a_checkpoint_of_an_intact_history_verifies(
    database: Database, key: keys.OrganisationKey, tmp_path: Path
) -> None:
    _events(database)
    first = _checkpoint(database, key, tmp_path / "cp1.json")
    _events(database, risks=1)  # the history goes on after the checkpoint
    second = _checkpoint(database, key, tmp_path / "cp2.json")
    report = _verify(database, key, first, second)
    assert report.ok, report.findings
    assert report.area("checkpoints").summary == f"2 signed checkpoint(s), key {key.key_id}"
    payload = json.loads(first.read_text())["payload"]
    assert (payload["seq"], payload["events"], payload["by"]) == (4, 4, "maria")


def test_a_rebuilt_history_verifies_alone_but_not_against_its_checkpoint(
    database: Database, key: keys.OrganisationKey, tmp_path: Path
) -> None:
    _events(database)
    signed = _checkpoint(database, key, tmp_path / "cp.json")
    _events(database, risks=2)
    _rebuild(database, seq=2, actor="mallory")
    with database.read() as s:
        assert history.verify(s).ok  # every hash was recomputed: the chain alone cannot tell
    report = _verify(database, key, signed)
    assert not report.ok
    [finding] = report.findings
    assert finding.area == "checkpoints"
    assert "event #4 no longer has the signed hash; events up to #4 were altered and their hashes recomputed" in (
        finding.message
    )


def test_events_removed_after_a_checkpoint_are_caught(
    database: Database, key: keys.OrganisationKey, tmp_path: Path
) -> None:
    _events(database)
    signed = _checkpoint(database, key, tmp_path / "cp.json")
    with database.engine.begin() as c:  # roll the history back to #2 and make the head agree
        c.execute(text("DELETE FROM history_events WHERE seq > 2"))
        c.execute(text("UPDATE history_head SET seq = 2, hash = (SELECT hash FROM history_events WHERE seq = 2)"))
        c.execute(text("DELETE FROM risks WHERE id IN ('RISK-2', 'RISK-3')"))
    report = _verify(database, key, signed)
    messages = [f.message for f in report.findings if f.area == "checkpoints"]
    assert len(messages) == 1
    assert "covers events up to #4, but the history ends at #2: events were removed since it was signed" in messages[0]


def test_a_checkpoint_of_another_register_is_named(
    database: Database, key: keys.OrganisationKey, tmp_path: Path
) -> None:
    _events(database)
    signed = _checkpoint(database, key, tmp_path / "cp.json")
    _rebuild(database, seq=1, actor="mallory")
    [finding] = _verify(database, key, signed).findings
    assert "is for another history: event #1 differs" in finding.message


def test_forged_or_foreign_checkpoints_are_refused(
    database: Database, key: keys.OrganisationKey, tmp_path: Path
) -> None:
    _events(database)
    path = _checkpoint(database, key, tmp_path / "cp.json")
    document = json.loads(path.read_text())
    document["payload"]["seq"] = 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    with pytest.raises(keys.SignatureInvalidError, match="the file was altered"):
        checkpoints.read_checkpoint(forged, key.public)
    other = keys.create_key(tmp_path / "other.pem")
    with pytest.raises(keys.SignatureInvalidError, match="not by the organisation key"):
        checkpoints.read_checkpoint(path, other.public)
    for bad in ("", "{", "[1]", "\x00" * 10):
        garbage = tmp_path / "garbage.json"
        garbage.write_text(bad)
        with pytest.raises(UsageError):
            checkpoints.read_checkpoint(garbage, key.public)


def test_a_checkpoint_with_a_duplicate_or_deep_field_is_refused_naming_the_line(
    database: Database, key: keys.OrganisationKey, tmp_path: Path
) -> None:
    """A second "seq" beside the signed one would be read as the last one written; it is refused."""
    _events(database)
    path = _checkpoint(database, key, tmp_path / "cp.json")
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith('"seq"'))
    doubled = tmp_path / "doubled.json"
    doubled.write_text("\n".join([*lines[:at], lines[at].rstrip(",") + ",", *lines[at:]]) + "\n")
    with pytest.raises(UsageError, match=rf"^{doubled}:{at + 2}: duplicate key 'seq' \(first at line {at + 1}\)$"):
        checkpoints.read_checkpoint(doubled, key.public)
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(UsageError, match="nested deeper than 16 levels"):
        checkpoints.read_checkpoint(deep, key.public)


def test_no_checkpoint_is_signed_over_a_broken_or_empty_history(
    database: Database, key: keys.OrganisationKey
) -> None:
    with database.read() as s, pytest.raises(checkpoints.CheckpointRefusedError, match="history is empty"):
        checkpoints.make_checkpoint(s, key, actor="maria")
    _events(database)
    with database.engine.begin() as c:
        c.execute(text("UPDATE history_events SET actor = 'mallory' WHERE seq = 2"))
    with database.read() as s, pytest.raises(checkpoints.CheckpointRefusedError, match="event #2"):
        checkpoints.make_checkpoint(s, key, actor="maria")
