"""Import as restore, not as authorship: an export whose history verifies is restored as the same
chain; anything else is imported as the importer's own work (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from openaims.errors import PermissionDeniedError
from openaims.register import history, keys
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.exchange import export_register, import_register
from openaims.register.exchange.yaml_import import IMPORT_EVENT_ID, ImportProblem, ImportRefusedError
from openaims.register.integrity import verify_register
from openaims.register.services import ComponentService, PersonService, RiskService, SystemService
from openaims.register.services.accounts import AccountService
from openaims.register.testing import reset_database

ROOT = Actor("root", roles=frozenset({Role.ADMIN}))
RAJ = Actor("raj", roles=frozenset({Role.CONTRIBUTOR}))


def _fill(database: Database) -> None:
    """SYS-1 (maria), RISK-1 (assessed), COMP-1 approved by a manager; accounts root and raj."""
    with database.session() as s:
        SystemService(s, "maria").create({"name": "Chatbot", "owner": "raj", "purpose": "Support"})
        risks = RiskService(s, "maria")
        risk = risks.create({"title": "Wrong answers", "system_ids": ["SYS-1"], "owner": "raj"})
        risks.update(risk.id, risk.version, {"inherent_likelihood": 3, "inherent_impact": 4, "status": "assessed"})
        components = ComponentService(s, "maria")
        component = components.create(
            {"kind": "dependency", "name": "openai", "fingerprint": "f" * 16, "repository": "org/chatbot"}
        )
        components.transition(component.id, component.version, "approved")
        AccountService(s, None).create("root", None, roles=["admin"])
        AccountService(s, ROOT).create("raj", None, roles=["contributor"], display_name="Raj Patel")


def _export(database: Database, directory: Path, tmp_path: Path, key: keys.OrganisationKey | None = None) -> Path:
    with database.read() as s:
        export_register(s, directory, evidence_dir=tmp_path / "evidence", key=key)
    return directory


def _import(database: Database, directory: Path, tmp_path: Path, actor: Actor | str = "ivan", **options: object):  # type: ignore[no-untyped-def]
    with database.session() as s:
        return import_register(s, directory, actor, evidence_dir=tmp_path / "store", **options)  # type: ignore[arg-type]


def _edit(path: Path, **changes: object) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_an_export_whose_history_verifies_is_restored_as_the_same_chain(database: Database, tmp_path: Path) -> None:
    _fill(database)
    with database.read() as s:
        before = history.query(s, limit=1000, newest_first=False)
    out = _export(database, tmp_path / "out", tmp_path)
    assert (out / "history.jsonl").read_text().count("\n") == before.total
    reset_database(database.url)
    report = _import(database, out, tmp_path)
    assert (report.mode, report.provenance.trusted, report.events) == ("restore", True, before.total)
    assert report.provenance.reason == "its history verifies"
    assert report.accounts == ["raj", "root"]
    with database.read() as s:
        after = history.query(s, limit=1000, newest_first=False)
        assert [e.model_dump() for e in after.items] == [e.model_dump() for e in before.items]
        assert verify_register(s).ok
        risk = RiskService(s, "x").get("RISK-1")
        assert (risk.created_by, risk.status) == ("maria", "assessed")
        accounts = {a.username: (a.roles, a.display_name) for a in AccountService(s).accounts()}
        assert accounts == {"root": (["admin"], "root"), "raj": (["contributor"], "Raj Patel")}
        # No password came with the export: until someone sets one, the register acts in personal mode.
        assert AccountService(s).usable_count() == 0


def test_a_record_file_edited_after_export_is_imported_as_the_importers_work(
    database: Database, tmp_path: Path
) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    _edit(out / "risk" / "RISK-1.yaml", created_by="elena", updated_by="elena", inherent_impact=1)
    reset_database(database.url)
    report = _import(database, out, tmp_path, actor=ROOT)
    assert (report.mode, report.provenance.trusted) == ("import", False)
    assert report.provenance.reason.startswith(
        "its history does not verify: RISK-1: changed outside OpenAIMS: created_by is 'elena', recorded 'maria'"
    )
    with database.read() as s:
        for record in (RiskService(s, "x").get("RISK-1"), SystemService(s, "x").get("SYS-1")):
            assert (record.created_by, record.updated_by) == ("root", "root")  # not the names the files claim
        assert AccountService(s).accounts() == []  # accounts come only with a restored history
        events = history.query(s, limit=1000, newest_first=False).items
        assert {(e.action, e.actor) for e in events} == {("import", "root")}
        summary = events[-1]
        assert summary.record_id == IMPORT_EVENT_ID
        assert summary.after is not None
        assert (summary.after["provenance_kept"], summary.after["created"]) == (False, 4)  # with METHOD-1
        assert verify_register(s).ok


def test_manager_only_statuses_need_the_importer_to_be_a_manager_when_provenance_is_not_kept(
    database: Database, tmp_path: Path
) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    (out / "history.jsonl").unlink()  # an export without its history: nothing vouches for it
    reset_database(database.url)
    # The default risk method (approved when RISK-1 was first rated) comes first.
    with pytest.raises(ImportProblem, match=r"risk_method/METHOD-1.yaml: only an admin or AIMS manager may set "
                       r"METHOD-1 to 'approved'; raj is a contributor") as caught:  # fmt: skip
        _import(database, out, tmp_path, actor=RAJ)
    assert caught.value.exit_code == PermissionDeniedError.exit_code
    with database.read() as s:
        assert history.verify(s).events == 0


def test_an_altered_event_in_the_export_is_named_and_provenance_is_not_kept(
    database: Database, tmp_path: Path
) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    lines = (out / "history.jsonl").read_text().splitlines()
    event = json.loads(lines[1])
    event["actor"] = "elena"
    lines[1] = json.dumps(event, sort_keys=True, separators=(",", ":"))
    (out / "history.jsonl").write_text("\n".join(lines) + "\n")
    reset_database(database.url)
    report = _import(database, out, tmp_path)
    assert report.provenance.trusted is False
    assert report.provenance.reason.startswith("its history does not verify: event #2: was altered")


@pytest.mark.parametrize(
    "line",
    ["not json", "{}", '{"seq": 1}', "[" * 500 + "]" * 500, json.dumps({"seq": True}), "\x00\x01"],
    ids=["garbage", "empty-object", "missing-fields", "deep", "bool-seq", "binary"],
)
def test_an_unreadable_history_file_means_no_provenance_never_a_crash(
    database: Database, tmp_path: Path, line: str
) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    with (out / "history.jsonl").open("a") as handle:
        handle.write(line + "\n")
    reset_database(database.url)
    report = _import(database, out, tmp_path)
    assert (report.mode, report.provenance.trusted) == ("import", False)
    assert report.provenance.reason.startswith("its history cannot be read: history.jsonl:")


def test_a_rebuilt_export_history_is_caught_by_its_checkpoint(database: Database, tmp_path: Path) -> None:
    """Someone edits a record, rewrites its last event to match and recomputes every hash: only the
    signed checkpoint can tell."""
    key = keys.create_key(tmp_path / "key.pem")
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path, key=key)
    assert (out / "checkpoint.json").is_file()
    _edit(out / "system" / "SYS-1.yaml", purpose="Anything at all")
    events = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    last = max(e["seq"] for e in events if e["record_id"] == "SYS-1")
    prev = history.GENESIS
    for event in events:
        if event["seq"] == last:
            event["after"]["purpose"] = "Anything at all"
        event["prev_hash"] = prev
        event["hash"] = prev = history.event_hash(**{k: v for k, v in event.items() if k != "hash"})
    (out / "history.jsonl").write_text("".join(history.canonical_json(e) + "\n" for e in events))
    reset_database(database.url)

    report = _import(database, out, tmp_path, trusted_key=key.public)
    assert report.provenance.trusted is False
    assert report.provenance.reason.startswith("its history does not verify: checkpoint.json: checkpoint ")
    assert "rebuilt" in report.provenance.reason

    (out / "checkpoint.json").unlink()  # without the checkpoint the rebuilt chain is self-consistent
    reset_database(database.url)
    assert _import(database, out, tmp_path).provenance.trusted is True


def test_a_signed_export_is_trusted_only_with_the_organisations_key(database: Database, tmp_path: Path) -> None:
    key = keys.create_key(tmp_path / "key.pem")
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path, key=key)
    reset_database(database.url)
    report = _import(database, out, tmp_path, dry_run=True)
    assert report.provenance.trusted is False
    assert "cannot be checked without the organisation's public key" in report.provenance.reason
    other = keys.create_key(tmp_path / "other.pem")
    report = _import(database, out, tmp_path, dry_run=True, trusted_key=other.public)
    assert report.provenance.trusted is False
    assert "not by the organisation key" in report.provenance.reason
    report = _import(database, out, tmp_path, trusted_key=key.public)
    assert (report.mode, report.provenance.trusted) == ("restore", True)
    assert report.provenance.reason.startswith("its history verifies against its checkpoint signed by ")


def test_a_register_with_its_own_history_merges_only_when_asked(database: Database, tmp_path: Path) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    reset_database(database.url)
    with database.session() as s:
        SystemService(s, "lena").create({"name": "Fraud detection"})
    with pytest.raises(ImportRefusedError, match=r"already holds its own history \(1 events\); .* --merge"):
        _import(database, out, tmp_path)
    with database.read() as s:
        assert history.verify(s).events == 1
    # Same id, another record: merging never overwrites it.
    with pytest.raises(ImportProblem, match=r"system/SYS-1.yaml: SYS-1 in this register is another record \(created "
                       r"by lena at .*\) than the file's") as caught:  # fmt: skip
        _import(database, out, tmp_path, merge=True)
    assert caught.value.exit_code == 1
    with database.read() as s:
        assert SystemService(s, "x").get("SYS-1").name == "Fraud detection"
        assert history.verify(s).events == 1


def test_merge_keeps_verified_provenance_and_records_the_import(database: Database, tmp_path: Path) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    reset_database(database.url)
    with database.session() as s:  # another register, with a history of its own
        PersonService(s, "lena").create({"name": "Lena Okafor", "email": "lena@example.org"})
    report = _import(database, out, tmp_path, actor="ivan", merge=True)
    assert (report.mode, report.provenance.trusted) == ("merge", True)
    assert sorted(report.created) == ["COMP-1", "METHOD-1", "RISK-1", "SYS-1"]
    with database.read() as s:
        risk = RiskService(s, "x").get("RISK-1")
        assert (risk.created_by, risk.status) == ("maria", "assessed")  # kept: the export's history vouches
        events = history.query(s, limit=1000, newest_first=False).items
        assert (events[0].record_id, events[-1].record_id) == ("USER-1", IMPORT_EVENT_ID)
        assert sorted((e.record_id, e.action, e.actor) for e in events[1:-1]) == [
            ("COMP-1", "import", "ivan"), ("METHOD-1", "import", "ivan"), ("RISK-1", "import", "ivan"),
            ("SYS-1", "import", "ivan"),
        ]  # fmt: skip
        assert events[-1].after is not None
        assert events[-1].after["provenance_kept"] is True
        assert verify_register(s).ok


def test_merge_of_an_edited_file_is_an_update_by_the_importer(database: Database, tmp_path: Path) -> None:
    _fill(database)
    out = _export(database, tmp_path / "out", tmp_path)
    with database.session() as s:  # the register moves on after the export
        SystemService(s, "lena").create({"name": "Fraud detection"})
    with database.read() as s:
        events_before = history.verify(s).events
    _edit(out / "risk" / "RISK-1.yaml", description="Invented refund amounts, reported by customers")
    report = _import(database, out, tmp_path, actor="ivan", merge=True)
    assert (report.mode, report.provenance.trusted) == ("merge", False)  # the edited file breaks the match
    assert report.updated == ["RISK-1"]
    with database.read() as s:
        events = history.query(s, limit=1000, newest_first=False).items
        assert len(events) == events_before + 2
        assert [(e.record_id, e.action, e.actor) for e in events[-2:]] == [
            ("RISK-1", "update", "ivan"), (IMPORT_EVENT_ID, "import", "ivan"),
        ]  # fmt: skip
        assert verify_register(s).ok
