"""``aims pack``: a zip of the register's records, documents, evidence and history with a (signed)
manifest; ``aims pack verify`` names any file that differs. Packs are byte-identical for the
same register and --as-of day."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from tests.support.cli import run

from openaims.register.db import Database
from openaims.register.demo import load_demo

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    for name in ("AIMS_PACK_SCOPE", "AIMS_PACK_AS_OF", "AIMS_KEY_FILE", "AIMS_PUBLIC_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def sample_register(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path) -> Database:
    monkeypatch.setenv("AIMS_DATABASE_URL", url)
    database = Database(url)
    with database.session() as session:
        load_demo(session, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    return database


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch, env: Path, db_url: str) -> Database:
    return sample_register(monkeypatch, db_url, env)


@pytest.fixture
def sqlite_sample(monkeypatch: pytest.MonkeyPatch, env: Path, _sqlite_template: Path) -> Database:
    target = env / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    return sample_register(monkeypatch, f"sqlite:///{target}", env)


def repack(source: Path, target: Path, change: dict[str, bytes]) -> None:
    """Copy a zip, replacing the content of the members named in ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change.get(info.filename, old.read(info)))


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def test_a_signed_pack_of_the_sample_register_verifies_and_a_changed_byte_is_named(
    capsys: pytest.CaptureFixture[str], sample: Database, env: Path
) -> None:
    assert run(capsys, "keys", "init")[0] == 0
    pack = env / "p.zip"
    code, out, err = run(capsys, "pack", "-o", str(pack))
    assert code == 0, err
    assert "signed with the organisation key" in out
    document = manifest_of(pack)
    assert document["format"] == "openaims-signed/v1"
    manifest = document["payload"]
    paths = {f["path"]: f for f in manifest["files"]}
    assert manifest["scope"] == "full"
    assert manifest["history_head"]["seq"] > 0
    assert len(manifest["history_head"]["hash"]) == 64
    assert paths["records/risk/RISK-1.yaml"]["source"] == "RISK-1"
    assert paths["readiness/readiness.json"]["source"] is None
    assert any(p.startswith("documents/DOC-1 AI policy") for p in paths)
    evidence = [p for p in paths if p.startswith("evidence/EVD-")]
    assert evidence, "the sample register's evidence file is in the pack"
    with zipfile.ZipFile(pack) as archive:
        for path, entry in paths.items():
            data = archive.read(path)
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"]
        history = archive.read("history/events.jsonl").decode().splitlines()
    assert {json.loads(line)["record_id"] for line in history} >= {"RISK-1", "SCOPE-1"}

    code, out, err = run(capsys, "pack", "verify", str(pack))
    assert code == 0, err
    assert f"all {len(paths)} files match the manifest" in out
    assert "signature by key" in out
    assert "verifies" in out

    with zipfile.ZipFile(pack) as archive:
        original = archive.read(evidence[0])
    tampered = env / "tampered.zip"
    repack(pack, tampered, {evidence[0]: original[:-1] + bytes([original[-1] ^ 1])})
    code, out, err = run(capsys, "pack", "verify", str(tampered))
    assert code == 1
    assert f"{evidence[0]}: content differs from the manifest" in err
    assert "records/" not in err  # only the changed file is named


def test_a_rewritten_manifest_breaks_its_signature(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path
) -> None:
    assert run(capsys, "keys", "init")[0] == 0
    pack = env / "p.zip"
    assert run(capsys, "pack", "-o", str(pack))[0] == 0
    document = manifest_of(pack)
    entry = next(f for f in document["payload"]["files"] if f["path"] == "records/risk/RISK-1.yaml")
    with zipfile.ZipFile(pack) as archive:
        forged = archive.read(entry["path"]).replace(b"RISK-1", b"RISK-9")
    entry["sha256"] = hashlib.sha256(forged).hexdigest()
    entry["size"] = len(forged)
    tampered = env / "forged.zip"
    repack(pack, tampered, {"manifest.json": json.dumps(document).encode(), entry["path"]: forged})
    code, _, err = run(capsys, "pack", "verify", str(tampered))
    assert code == 1
    assert "manifest.json: the signature does not match its content" in err


def test_unsigned_packs_still_catch_changed_missing_and_added_files(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path
) -> None:
    pack = env / "p.zip"
    code, out, _ = run(capsys, "pack", "-o", str(pack))
    assert code == 0
    assert "not signed" in out
    assert run(capsys, "pack", "verify", str(pack))[0] == 0
    tampered = env / "t.zip"
    with zipfile.ZipFile(pack) as old, zipfile.ZipFile(tampered, "w") as new:
        for info in old.infolist():
            if info.filename != "records/scope/SCOPE-1.yaml":
                data = old.read(info)
                new.writestr(info, data + b"\n" if info.filename == "records/risk/RISK-2.yaml" else data)
        new.writestr("records/risk/RISK-99.yaml", b"title: slipped in\n")
    code, _, err = run(capsys, "pack", "verify", str(tampered))
    assert code == 1
    assert "records/risk/RISK-2.yaml: content differs from the manifest" in err
    assert "records/scope/SCOPE-1.yaml: listed in the manifest but missing from the pack" in err
    assert "records/risk/RISK-99.yaml: in the pack but not listed in the manifest" in err


def test_packs_are_byte_identical_for_the_same_register_and_day(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path
) -> None:
    assert run(capsys, "keys", "init")[0] == 0
    first, second = env / "a.zip", env / "b.zip"
    assert run(capsys, "pack", "-o", str(first), "--as-of", TODAY.isoformat())[0] == 0
    assert run(capsys, "pack", "-o", str(second), "--as-of", TODAY.isoformat())[0] == 0
    assert first.read_bytes() == second.read_bytes()
    # Long before the register was filled, it held nothing.
    empty = env / "before.zip"
    assert run(capsys, "pack", "-o", str(empty), "--as-of", "2001-01-01")[0] == 0
    manifest = manifest_of(empty)["payload"]
    assert manifest["records"] == 0
    assert manifest["history_head"]["seq"] == 0
    assert not any(f["path"].startswith("records/") for f in manifest["files"])


def test_a_system_pack_holds_that_system_and_what_concerns_it(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path
) -> None:
    pack = env / "sys.zip"
    assert run(capsys, "pack", "-o", str(pack), "--scope", "system SYS-1")[0] == 0
    manifest = manifest_of(pack)
    sources = {f["source"] for f in manifest["files"] if f["path"].startswith("records/")}
    assert "SYS-1" in sources
    assert "SYS-2" not in sources
    with zipfile.ZipFile(pack) as archive:
        for entry in manifest["files"]:
            if entry["path"].startswith("records/") and entry["source"] != "SYS-1":
                text = archive.read(entry["path"]).decode()
                related = "SYS-1" in text or entry["path"].startswith(
                    ("records/treatment/", "records/evidence/", "records/finding/", "records/corrective_action/",
                     "records/measurement/", "records/document_version/")
                )
                assert related, entry["path"]


def test_a_missing_evidence_file_is_a_marked_gap(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path
) -> None:
    for stored in (env / "evidence").rglob("*"):
        if stored.is_file():
            stored.unlink()
    pack = env / "p.zip"
    assert run(capsys, "pack", "-o", str(pack))[0] == 0
    with zipfile.ZipFile(pack) as archive:
        gaps = [n for n in archive.namelist() if n.endswith("/MISSING.txt")]
        assert gaps
        assert archive.read(gaps[0]).startswith(b"GAP: the file of EVD-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "control A.99"], "unknown pack scope 'control A.99'"),
        (["--scope", "everything"], "unknown pack scope 'everything'"),
        (["--scope", "system SYS-404"], "no AI system SYS-404 in the register"),
        (["--scope", "control A.1.1"], "A.1.1 is not an Annex A control"),
        (["--as-of", "yesterday"], "--as-of 'yesterday' is not a date"),
    ],
)
def test_bad_scopes_and_days_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path, args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "pack", "-o", str(env / "x.zip"), *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (env / "x.zip").exists()


def test_verify_refuses_what_is_not_a_pack(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    other = env / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    code, _, err = run(capsys, "pack", "verify", str(other))
    assert code == 2
    assert "has no manifest.json" in err
    text = env / "text.zip"
    text.write_text("not a zip")
    code, _, err = run(capsys, "pack", "verify", str(text))
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_a_pack_holds_the_security_review_report_of_each_system(
    capsys: pytest.CaptureFixture[str], sqlite_sample: Database, env: Path
) -> None:
    from openaims.register.services.security_reviews import SecurityReviewService

    with sqlite_sample.read() as s:
        reviews = {r.id: r for r in SecurityReviewService(s, "x").all()}
    pack = env / "p.zip"
    code, _out, err = run(capsys, "pack", "-o", str(pack))
    assert code == 0, err
    paths = {f["path"]: f for f in manifest_of(pack)["files"]}
    written = {p: f for p, f in paths.items() if p.startswith("security-review/")}
    assert {f["source"] for f in written.values()} == set(reviews)
    with zipfile.ZipFile(pack) as archive:
        for path, entry in written.items():
            review = reviews[entry["source"]]
            assert path == f"security-review/{review.system_id} {review.id}.md"
            text = archive.read(path).decode()
            assert text.startswith(f"# Security review {review.id}: ")
            assert f"- Status: {review.status}" in text
    assert {r.status for r in reviews.values()} == {"completed", "draft"}
