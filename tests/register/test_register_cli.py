"""Command-line smoke tests: init, record commands, history verify/show (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.support.cli import run

from openaims.register import migrations, registry_names
from openaims.register.db import make_engine


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)
    return db_url


def test_init_creates_the_default_register_and_is_idempotent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIMS_DATABASE_URL", raising=False)
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert f"Created the register: {tmp_path / '.aims' / 'aims.db'}" in out
    assert (tmp_path / ".aims" / "aims.db").is_file()
    code, out, _ = run(capsys, "init")
    assert (code, out.splitlines()[0].split(":")[0]) == (0, "Register is up to date")
    if migrations.head_revision() != "0001_register":
        engine = make_engine(f"sqlite:///{tmp_path / '.aims' / 'aims.db'}")
        migrations.downgrade(engine, "0001_register")
        engine.dispose()
        code, out, _ = run(capsys, "init")
        assert (code, out.split(":")[0]) == (0, "Upgraded the register from schema 0001_register")


def test_commands_before_init_say_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIMS_DATABASE_URL", raising=False)
    code, _, err = run(capsys, "risk", "list")
    assert code == 2
    assert "run 'aims init' first" in err


def test_record_commands(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    code, out, err = run(
        capsys, "system", "add", "--name", "Support chatbot", "--owner", "alice", "--purpose", "Answer customers",
        "--intended-use", "Support", "--organisation-roles", "deployer", "--organisation-roles", "operator",
        "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    system = json.loads(out)
    assert (system["id"], system["status"], system["organisation_roles"]) == ("SYS-1", "active", ["deployer", "operator"])
    assert system["created_by"] == "alice"

    code, out, _ = run(capsys, "risk", "add", "--title", "Invented refunds", "--system-ids", "SYS-1",
                       "--inherent-likelihood", "4", "--inherent-impact", "4")  # fmt: skip
    assert (code, out.strip()) == (0, "Created RISK-1 (identified, version 1)")

    code, out, _ = run(capsys, "risk", "update", "RISK-1", "--version", "1", "--status", "assessed", "--actor", "bob")
    assert (code, out.strip()) == (0, "Updated RISK-1 (assessed, version 2)")

    code, _, err = run(capsys, "risk", "update", "RISK-1", "--version", "1", "--description", "late edit")
    assert code == 1
    assert err.startswith("aims: error: RISK-1 is at version 2, not 1: bob changed it at ")

    code, _, err = run(capsys, "risk", "update", "RISK-1", "--version", "2", "--status", "treated",
                       "--residual-likelihood", "2", "--residual-impact", "2")  # fmt: skip
    assert code == 1
    assert "RISK-1 cannot be 'treated' without a treatment" in err

    code, _, err = run(capsys, "risk", "add", "--title", "x", "--inherent-likelihood", "eleven")
    assert code == 2
    assert err == "aims: error: invalid risk: Inherent likelihood must be a whole number (got 'eleven')\n"

    code, _, err = run(capsys, "risk", "show", "RISK-99")
    assert (code, err.strip()) == (2, "aims: error: no risk 'RISK-99'; list them with 'aims risk list'")

    code, out, _ = run(capsys, "risk", "list", "--format", "json", "--filter", "system_ids=SYS-1")
    page = json.loads(out)
    assert [(r["id"], r["status"], r["inherent_rating"]) for r in page["items"]] == [("RISK-1", "assessed", "high")]
    assert page["total"] == 1

    code, out, _ = run(capsys, "risk", "list")
    assert code == 0
    assert "RISK-1" in out
    assert "Invented" in out

    code, out, _ = run(capsys, "history", "show", "RISK-1", "--format", "json")
    events = json.loads(out)
    assert [(e["action"], e["actor"]) for e in events] == [("create", "alice"), ("status:assessed", "bob")]
    assert events[1]["changes"]["status"] == {"before": "identified", "after": "assessed"}

    code, out, _ = run(capsys, "history", "verify")
    assert code == 0
    assert out.startswith("History intact: 4 event(s)")


def test_history_verify_names_an_edited_event(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    run(capsys, "system", "add", "--name", "Credit scoring")
    run(capsys, "risk", "add", "--title", "Bias against young applicants", "--system-ids", "SYS-1")
    run(capsys, "risk", "update", "RISK-1", "--version", "1", "--description", "Age proxy")
    engine = create_engine(cli_env.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("UPDATE history_events SET actor = 'mallory' WHERE seq = 2"))
    engine.dispose()
    code, out, err = run(capsys, "history", "verify")
    assert code == 1
    assert err.strip().startswith("aims: error: history chain broken at event #2 (RISK-1 create at ")
    assert "was altered" in err
    code, out, _ = run(capsys, "history", "verify", "--format", "json")
    report = json.loads(out)
    assert (code, report["ok"], report["problem"]["seq"], report["problem"]["record_id"]) == (1, False, 2, "RISK-1")


def test_evidence_file_from_the_command_line(capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path) -> None:
    run(capsys, "system", "add", "--name", "Chatbot")
    report = tmp_path / "red-team.txt"
    report.write_text("red team results\n")
    code, out, err = run(capsys, "evidence", "add-file", str(report), "--attach", "SYS-1", "--format", "json")
    assert (code, err) == (0, "")
    item = json.loads(out)
    assert (item["id"], item["kind"], item["record_ids"], item["size"]) == ("EVD-1", "file", ["SYS-1"], 17)
    assert (tmp_path / "evidence" / item["sha256"][:2] / item["sha256"]).read_text() == "red team results\n"
    code, out, _ = run(capsys, "system", "show", "SYS-1")
    assert "evidence EVD-1: red-team.txt (file: red-team.txt)" in out


def test_every_record_type_has_a_command_group(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in registry_names():
        assert f" {name} " in out


def test_document_versions_and_history_log(capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path) -> None:
    run(capsys, "document", "add", "--title", "AI policy", "--owner", "alice")
    run(capsys, "document-version", "add", "--document-id", "DOC-1", "--content", "v1 text")
    code, _, err = run(capsys, "document-version", "update", "DOC-1", "--version", "1", "--status", "in_review")
    assert (code, err.strip()) == (
        2, "aims: error: no document version 'DOC-1'; list them with 'aims document-version list'",
    )  # fmt: skip
    code, out, _ = run(capsys, "document-version", "update", "DOCV-1", "--version", "1", "--status", "in_review")
    assert (code, out.strip()) == (0, "Updated DOCV-1 (in_review, version 2)")
    code, _, err = run(capsys, "document-version", "update", "DOCV-1", "--version", "2", "--status", "approved")
    assert code == 1
    assert "DOCV-1: separation of duties (author is not approver): the author does not approve it" in err
    code, _, err = run(capsys, "document-version", "approve", "DOCV-1", "--version", "2", "--approver", "ceo")
    assert (code, "No such option: --approver" in err) == (2, True)
    code, _, err = run(capsys, "document-version", "approve", "DOCV-1", "--version", "2", "--actor", "ceo")
    assert (code, "DOCV-1 cannot be 'approved' without Next review" in err) == (1, True)
    code, out, _ = run(capsys, "document-version", "approve", "DOCV-1", "--version", "2", "--actor", "ceo",
                       "--next-review", "2099-01-31")  # fmt: skip
    today = dt.datetime.now(dt.UTC).date()
    assert (code, out.strip()) == (0, f"DOCV-1 approved by ceo on {today} (version 3)")
    code, out, _ = run(capsys, "document-version", "show", "DOCV-1")
    assert f"approved by ceo on {today}" in out
    new_text = tmp_path / "v2.md"
    new_text.write_text("v2 text")
    code, out, _ = run(capsys, "document", "new-version", "DOC-1", "--content-file", str(new_text), "--format", "json")
    version = json.loads(out)
    assert (code, version["id"], version["number"], version["content"], version["status"]) == (
        0, "DOCV-2", 2, "v2 text", "draft",
    )  # fmt: skip
    code, out, _ = run(capsys, "history", "log", "--type", "document_version", "--format", "json")
    log = json.loads(out)
    assert [(e["record_id"], e["action"]) for e in log["items"]] == [
        ("DOCV-2", "create"), ("DOCV-1", "approve"), ("DOCV-1", "status:in_review"), ("DOCV-1", "create"),
    ]  # fmt: skip


def test_init_on_an_existing_postgresql_or_sqlite_register(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert out.startswith("Register is up to date: ")
    assert out.strip().endswith(f"(schema {migrations.head_revision()}).")


def test_unreachable_database_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMS_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    code, _, err = run(capsys, "risk", "list")
    assert code == 2
    assert err.startswith("aims: error: cannot open the register at postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert len(err.strip().splitlines()) == 1


def test_list_filters_from_the_command_line(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    run(capsys, "risk", "add", "--title", "Leak", "--owner", "alice")
    for due in ("2026-01-10", "2026-06-01"):
        run(capsys, "treatment", "add", "--risk-id", "RISK-1", "--owner", "bob", "--due-date", due)
    code, out, _ = run(capsys, "treatment", "list", "--filter", "due_date__lt=2026-03-01", "--format", "json")
    assert (code, [t["id"] for t in json.loads(out)["items"]]) == (0, ["TREAT-1"])
    code, out, _ = run(capsys, "treatment", "list", "--owner", "bob", "--sort", "-due_date", "--format", "json")
    assert [t["id"] for t in json.loads(out)["items"]] == ["TREAT-2", "TREAT-1"]
    code, _, err = run(capsys, "treatment", "list", "--filter", "due_date")
    assert (code, err.strip()) == (2, "aims: error: --filter takes FIELD=VALUE, not 'due_date'")
    code, _, err = run(capsys, "treatment", "list", "--filter", "due_date__lt=soon")
    assert code == 2
    assert "'soon' is not a valid date" in err


def test_a_record_is_not_created_closed_or_approved(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    code, _, err = run(capsys, "incident", "add", "--title", "Leak", "--owner", "alice",
                       "--post-incident-review", "Done", "--status", "closed")  # fmt: skip
    assert code == 1
    assert err.startswith("aims: error: an incident cannot be created as 'closed': create it as 'reported'")
    code, out, _ = run(capsys, "incident", "list", "--format", "json")
    assert (code, json.loads(out)["total"]) == (0, 0)
