"""Export, import into an empty register, export again: the same bytes; dry runs write nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from tests.register.kit import CASES

from openaims.register import history
from openaims.register.db import Database
from openaims.register.exchange import FORMAT, HEADER_FILE, export_register, import_register
from openaims.register.exchange.yaml_import import ImportProblem, ImportRefusedError
from openaims.register.integrity import verify_register
from openaims.register.services import RiskService, SystemService
from openaims.register.testing import reset_database


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def export(database: Database, directory: Path, evidence_dir: Path) -> dict[str, bytes]:
    with database.read() as s:
        export_register(s, directory, evidence_dir=evidence_dir)
    return tree(directory)


def test_export_import_export_gives_identical_files(filled: Database, evidence_dir: Path, tmp_path: Path) -> None:
    first = export(filled, tmp_path / "one", evidence_dir)
    types = {name.split("/")[0] for name in first if "/" in name}
    assert types == {c.record_type for c in CASES}
    header = yaml.safe_load(first[HEADER_FILE])
    assert header["format"] == FORMAT
    assert header["evidence_files"] == 1
    risk = yaml.safe_load(first["risk/RISK-1.yaml"])
    assert list(risk)[:3] == ["id", "status", "version"]
    assert list(risk)[-4:] == ["created_at", "created_by", "updated_at", "updated_by"]
    assert (risk["status"], risk["inherent_rating"], risk["created_by"]) == ("assessed", "high", "admin")
    content = next(v for k, v in first.items() if k.startswith("evidence/"))
    assert f"evidence/{hashlib.sha256(content).hexdigest()}" in first

    with filled.read() as s:
        original = [(e.seq, e.action, e.actor, e.at) for e in history.events_for(s, "RISK-1")]
        events = history.verify(s).events
    assert header["history"]["events"] == events
    reset_database(filled.url)
    store = tmp_path / "other-store"
    with filled.session() as s:
        report = import_register(s, tmp_path / "one", "importer", evidence_dir=store)
    assert (report.mode, report.provenance.trusted, report.events) == ("restore", True, events)
    assert len(report.created) == sum(header["records"].values())
    assert (report.updated, report.unchanged) == ([], [])
    second = export(filled, tmp_path / "two", store)
    assert second == first  # the history too: the same chain
    with filled.read() as s:
        assert verify_register(s).ok
        assert [(e.seq, e.action, e.actor, e.at) for e in history.events_for(s, "RISK-1")] == original

    # The register now has a history of its own: importing again needs --merge, and changes nothing.
    with filled.session() as s, pytest.raises(ImportRefusedError, match="already holds its own history"):
        import_register(s, tmp_path / "one", "importer", evidence_dir=store)
    with filled.session() as s:
        again = import_register(s, tmp_path / "one", "importer", evidence_dir=store, merge=True)
    assert (again.created, again.updated, len(again.unchanged), again.event_seq) == ([], [], len(report.created), None)


def test_edited_file_updates_through_the_service_and_dry_run_writes_nothing(
    filled: Database, evidence_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reg"
    export(filled, out, evidence_dir)
    path = out / "system" / "SYS-1.yaml"
    data = yaml.safe_load(path.read_text())
    data["description"] = "Answers customer questions about loans"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with filled.read() as s:
        events_before = history.verify(s).events
    with filled.session() as s:
        dry = import_register(s, out, "importer", evidence_dir=evidence_dir, dry_run=True, merge=True)
    assert (dry.created, dry.updated) == ([], ["SYS-1"])
    with filled.read() as s:
        assert SystemService(s, "x").get("SYS-1").description is None
        assert history.verify(s).events == events_before
    with filled.session() as s:
        done = import_register(s, out, "importer", evidence_dir=evidence_dir, merge=True)
    assert done.updated == ["SYS-1"]
    assert (done.mode, done.provenance.trusted) == ("merge", False)  # SYS-1.yaml no longer matches its history
    assert done.provenance.reason.startswith("its history does not verify: SYS-1: changed outside OpenAIMS: ")
    with filled.read() as s:
        system = SystemService(s, "x").get("SYS-1")
        assert (system.description, system.updated_by) == ("Answers customer questions about loans", "importer")
    # The file still says the old version: importing it again is a stale update, refused.
    data["description"] = "Another edit"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with filled.session() as s, pytest.raises(ImportProblem, match=r"system/SYS-1.yaml: SYS-1 is at version"):
        import_register(s, out, "importer", evidence_dir=evidence_dir, merge=True)


def test_dry_run_into_an_empty_register_reports_creates_and_leaves_it_empty(
    filled: Database, evidence_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reg"
    files = export(filled, out, evidence_dir)
    reset_database(filled.url)
    store = tmp_path / "store"
    with filled.session() as s:
        report = import_register(s, out, "importer", evidence_dir=store, dry_run=True)
    assert "SYS-1" in report.created
    assert "RISK-1" in report.created
    assert len(report.created) == sum(1 for k in files if k.endswith(".yaml") and k != HEADER_FILE)
    with filled.read() as s:
        assert RiskService(s, "x").all() == []
        assert history.verify(s).events == 0
    assert not store.exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("name"), r"system/SYS-1.yaml: invalid system: Name is required"),
        (lambda d: d.update(risk_tier="extreme"), r"system/SYS-1.yaml: invalid system: Risk tier must be one of: unclassified, minimal"),
        (lambda d: d.update(colour="red"), r"system/SYS-1.yaml: invalid system: Colour is not a field"),
        (lambda d: d.update(dataset_ids=["DATA-99"]), r"system/SYS-1.yaml: invalid system: Dataset IDs: DATA-99 does"),
        (lambda d: d.update(id="SYS-2"), r"system/SYS-1.yaml: id: 'SYS-2' does not match the file name"),
        (
            lambda d: d.update(status="active", purpose=None),
            r"system/SYS-1.yaml: SYS-1 cannot be 'active' without Purp",
        ),
    ],
)
def test_import_errors_name_file_and_field_and_import_nothing(
    database: Database, evidence_dir: Path, tmp_path: Path, edit: object, message: str
) -> None:
    filled = database
    with database.session() as s:
        SystemService(s, "maria").create({"name": "Support chatbot", "owner": "raj", "purpose": "Answers",
                                          "intended_use": "Customers"})  # fmt: skip
        RiskService(s, "maria").create({"title": "Wrong answers", "system_ids": ["SYS-1"]})
    out = tmp_path / "reg"
    export(filled, out, evidence_dir)
    reset_database(filled.url)
    path = out / "system" / "SYS-1.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ImportProblem, match=message) as caught, filled.session() as s:
        import_register(s, out, "importer", evidence_dir=tmp_path / "store")
    assert caught.value.exit_code == (1 if "cannot be" in message else 2)  # a rule violation, or bad input
    with filled.read() as s:
        assert RiskService(s, "x").all() == []
        assert history.verify(s).events == 0


def test_broken_yaml_missing_evidence_and_foreign_folders_are_named(
    filled: Database, evidence_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reg"
    export(filled, out, evidence_dir)
    reset_database(filled.url)
    store = tmp_path / "store"
    (out / "risk" / "RISK-1.yaml").write_text("id: RISK-1\ntitle: [unclosed\n")
    with pytest.raises(ImportProblem, match=r"risk/RISK-1.yaml:3: not valid YAML"), filled.session() as s:
        import_register(s, out, "i", evidence_dir=store)
    export_dir = tmp_path / "reg2"
    export_dir.mkdir()
    (export_dir / HEADER_FILE).write_text(f"format: {FORMAT}\n")
    (export_dir / "spaceship").mkdir()
    with pytest.raises(ImportProblem, match=r"spaceship/: 'spaceship' is not a record type"), filled.session() as s:
        import_register(s, export_dir, "i", evidence_dir=store)
    (export_dir / "spaceship").rmdir()
    (export_dir / HEADER_FILE).write_text("format: openaims-register/v9\n")
    wrong = r"format 'openaims-register/v9' is not one this version reads"
    with pytest.raises(ImportProblem, match=wrong), filled.session() as s:
        import_register(s, export_dir, "i", evidence_dir=store)


def test_file_evidence_needs_its_content_in_the_export(filled: Database, evidence_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reg"
    export(filled, out, evidence_dir)
    reset_database(filled.url)
    for path in (out / "evidence").iterdir():
        if path.suffix != ".yaml":
            path.unlink()
    missing = r"evidence/EVD-\d+.yaml: sha256: evidence/[0-9a-f]{64} is missing"
    with pytest.raises(ImportProblem, match=missing), filled.session() as s:
        import_register(s, out, "i", evidence_dir=tmp_path / "store")


def test_export_refuses_a_foreign_non_empty_directory_and_prunes_its_own(
    filled: Database, evidence_dir: Path, tmp_path: Path
) -> None:
    from openaims.errors import UsageError

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with filled.read() as s, pytest.raises(UsageError, match="holds no earlier export"):
        export_register(s, foreign, evidence_dir=evidence_dir)
    out = tmp_path / "reg"
    export(filled, out, evidence_dir)
    (out / "risk" / "RISK-99.yaml").write_text("id: RISK-99\n")
    assert "risk/RISK-99.yaml" not in export(filled, out, evidence_dir)
