"""``aims backup`` and ``aims restore``: a verified round trip on SQLite (online backup API) and
PostgreSQL (pg_dump / pg_restore), refusals that leave the register as it was."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from tests.support.cli import run

from openaims.register.actors import Actor, Role
from openaims.register.backup import BackupError, create_backup, restore_backup
from openaims.register.db import Database
from openaims.register.integrity import verify_register
from openaims.register.services import EvidenceService, RiskService, SystemService
from openaims.register.services.accounts import AccountService
from openaims.register.testing import reset_database

ROOT = Actor("root", roles=frozenset({Role.ADMIN}))


def _fill(database: Database, evidence: Path, tmp_path: Path) -> None:
    with database.session() as s:
        SystemService(s, "maria").create({"name": "Chatbot", "owner": "raj", "purpose": "Support"})
        risk = RiskService(s, "maria").create({"title": "Wrong answers", "system_ids": ["SYS-1"]})
        RiskService(s, "maria").update(risk.id, risk.version, {"description": "Invented refunds"})
        report = tmp_path / "dpia.txt"
        report.write_text("Data protection impact assessment, signed.\n")
        EvidenceService(s, "maria", evidence_dir=evidence).add_file(report, title="DPIA", record_ids=["SYS-1"])
        AccountService(s, None).create("root", "a-long-password-1", roles=["admin"])
        AccountService(s, ROOT).issue_token("root", "ci", ["read"])


def _state(database: Database) -> tuple[object, ...]:
    with database.read() as s:
        report = verify_register(s)
        assert report.chain is not None
        accounts = AccountService(s).accounts()
        tokens = AccountService(s, ROOT).tokens()
        risk = RiskService(s, "x").get("RISK-1")
    return (report.ok, report.chain.events, report.chain.head_hash, [a.username for a in accounts],
            [t.id for t in tokens], risk.description)  # fmt: skip


@pytest.mark.parametrize("name", ["backup.tar", "backup.tar.gz"])
def test_backup_and_restore_round_trip(database: Database, tmp_path: Path, name: str) -> None:
    evidence = tmp_path / "evidence"
    _fill(database, evidence, tmp_path)
    before = _state(database)
    archive = tmp_path / name
    report = create_backup(database, archive, evidence_dir=lambda: evidence, actor="maria")
    assert (report.events, report.evidence_files, report.missing_evidence, report.findings) == (6, 1, [], [])
    assert report.head_hash == before[2]
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    member = "register.sqlite" if database.dialect == "sqlite" else "register.pgdump"
    assert names[:1] == [f"evidence/{manifest['evidence'][0]}"]
    assert member in names
    assert (manifest["format"], manifest["database"], manifest["created_by"]) == (
        "openaims-backup/v1", database.dialect, "maria",
    )  # fmt: skip

    reset_database(database.url)  # the register is lost ...
    restored_evidence = tmp_path / "evidence-restored"
    result = restore_backup(archive, database.url, evidence_dir=lambda: restored_evidence)
    assert _state(database) == before  # ... and comes back whole: history, accounts, tokens, records
    assert result.integrity is not None
    assert result.integrity.ok
    assert (restored_evidence / manifest["evidence"][0][:2] / manifest["evidence"][0]).read_bytes() == (
        b"Data protection impact assessment, signed.\n"
    )
    with database.read() as s:  # password hashes came back too
        assert AccountService(s).authenticate("root", "a-long-password-1").username == "root"


def test_restore_refuses_a_register_that_holds_data_unless_forced(database: Database, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    _fill(database, evidence, tmp_path)
    archive = tmp_path / "backup.tar"
    create_backup(database, archive, evidence_dir=lambda: evidence, actor="maria")
    with database.session() as s:
        SystemService(s, "lena").create({"name": "Written after the backup"})
    after = _state(database)
    with pytest.raises(BackupError, match="already holds records or history"):
        restore_backup(archive, database.url, evidence_dir=lambda: evidence)
    assert _state(database) == after
    restore_backup(archive, database.url, evidence_dir=lambda: evidence, force=True)
    with database.read() as s:
        assert [x.name for x in SystemService(s, "x").all()] == ["Chatbot"]
        assert verify_register(s).ok


def test_an_altered_or_foreign_archive_is_refused_and_changes_nothing(database: Database, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    _fill(database, evidence, tmp_path)
    archive = tmp_path / "backup.tar"
    create_backup(database, archive, evidence_dir=lambda: evidence, actor="maria")
    reset_database(database.url)
    member = "register.sqlite" if database.dialect == "sqlite" else "register.pgdump"

    def rewrite(target: Path, change: dict[str, bytes]) -> Path:
        with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
            for info in source.getmembers():
                data = change.get(info.name, source.extractfile(info).read())  # type: ignore[union-attr]
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
        return target

    with tarfile.open(archive) as tar:
        original = tar.extractfile(member).read()  # type: ignore[union-attr]
    middle = len(original) // 2
    flipped = original[:middle] + bytes(b ^ 0xFF for b in original[middle : middle + 64]) + original[middle + 64 :]
    damaged = rewrite(tmp_path / "damaged.tar", {member: flipped})
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        restore_backup(damaged, database.url, evidence_dir=lambda: evidence)
    with tarfile.open(tmp_path / "extra.tar", "w") as out, tarfile.open(archive) as source:
        for info in source.getmembers():
            out.addfile(info, source.extractfile(info))
        info = tarfile.TarInfo("../../etc/cron.d/x")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    from openaims.errors import UsageError

    with pytest.raises(UsageError, match=r"unexpected member '../../etc/cron.d/x'"):
        restore_backup(tmp_path / "extra.tar", database.url, evidence_dir=lambda: evidence)
    (tmp_path / "not.tar").write_text("hello")
    with pytest.raises(UsageError, match="is not a backup archive"):
        restore_backup(tmp_path / "not.tar", database.url, evidence_dir=lambda: evidence)
    with database.read() as s:
        assert verify_register(s).chain.events == 0  # type: ignore[union-attr]


def test_backup_restore_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str
) -> None:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    for name in ("AIMS_TOKEN", "AIMS_LIST_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    assert run(capsys, "system", "add", "--name", "Chatbot")[0] == 0
    archive = tmp_path / "aims.tar.gz"
    code, out, err = run(capsys, "backup", str(archive))
    assert code == 0, err
    assert out.startswith(f"Backed up the {Database(db_url).dialect} register to {archive} (")
    assert run(capsys, "backup", str(archive))[0] == 2  # never replaced by accident
    code, _, err = run(capsys, "restore", str(archive))
    assert code == 1
    assert "already holds records or history" in err
    code, out, err = run(capsys, "restore", str(archive), "--force")
    assert code == 0, err
    assert "1 history event(s) up to the backup's head" in out
    assert "it verifies ('aims history verify')" in out
    if db_url.startswith("sqlite"):
        target = tmp_path / "elsewhere" / "aims.db"
        monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{target}")
        code, out, err = run(capsys, "restore", str(archive))  # into a register that does not exist yet
        assert code == 0, err
        code, out, _ = run(capsys, "history", "verify")
        assert (code, out.split(":")[0]) == (0, "History intact")
    else:
        monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
        code, _, err = run(capsys, "restore", str(archive))
        assert code == 2
        assert "cannot be restored into sqlite; move registers between databases with 'aims export'" in err
