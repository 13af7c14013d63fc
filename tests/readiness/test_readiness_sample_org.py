"""``aims readiness`` on the sample organisation: every clause and control with status, reasons and
records, remembered between runs so a second run says what changed when records changed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from tests.readiness.kit import ADMIN, approved_document
from tests.support.cli import run

from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, load_catalogue
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.register.services import SoaService

TODAY = dt.date(2026, 5, 4)
CONTROLS = [c.id for c in load_catalogue().framework("iso42001").of_kind("control")]


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> Database:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.setenv("AIMS_READINESS_DATE", TODAY.isoformat())
    for name in ("AIMS_READINESS_FORMAT", "AIMS_READINESS_REMEMBER", "AIMS_READINESS_SINCE", "AIMS_READINESS_STAGE1"):
        monkeypatch.delenv(name, raising=False)
    database = Database(db_url)
    with database.session() as session:
        # Without sign-in accounts the register is in personal mode: the CLI acts as AIMS_ACTOR.
        load_demo(session, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    return database


def readiness_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, "readiness", "--format", "json", *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_every_clause_and_control_with_status_reasons_and_records(
    capsys: pytest.CaptureFixture[str], sample: Database
) -> None:
    data = readiness_json(capsys)
    items = {i["id"]: i for i in data["items"]}
    assert list(items) == [*ISO42001_LEAF_CLAUSES, *CONTROLS]
    assert next(iter(items)) == "4.1"
    assert ISO42001_LEAF_CLAUSES[-1] == "10.2"
    assert len(CONTROLS) == 38
    for item in items.values():
        assert item["status"] in {"met", "partial", "missing", "not_applicable"}
        assert item["reasons"], item["id"]
        assert all(isinstance(link, str) for link in item["links"])
    assert items["4.3"]["status"] == "met"
    assert items["4.3"]["links"][0] == "SCOPE-1"
    assert items["5.2"]["links"] == ["DOC-1", "DOCV-1", "COMM-1"]
    assert items["A.10.4"]["status"] == "not_applicable"
    assert items["A.10.4"]["links"] == ["SOA-A.10.4"]
    assert data["compared_with"] is None
    assert data["changes"] == []


def test_a_second_run_reports_what_changed_since_the_last_run(
    capsys: pytest.CaptureFixture[str], sample: Database
) -> None:
    first = readiness_json(capsys)
    before = {i["id"]: i["status"] for i in first["items"]}
    assert before["4.4"] == "partial"
    assert before["A.6.2.4"] == "partial"
    with sample.session() as session:
        approved_document(session, "process", "AI management system description", next_review=TODAY.replace(2027))
        soa = SoaService(session, ADMIN)
        row = soa.get("SOA-A.6.2.4")
        soa.update(row.id, row.version, {"status": "planned"})
    second = readiness_json(capsys)
    after = {i["id"]: i["status"] for i in second["items"]}
    assert after["4.4"] == "met"
    assert after["A.6.2.4"] == "missing"
    expected = [{"id": i, "from": before[i], "to": after[i]} for i in before if before[i] != after[i]]
    assert {c["id"] for c in expected} >= {"4.4", "A.6.2.4"}
    assert second["changes"] == expected
    assert second["compared_with"]["actor"] == "maria"
    assert second["compared_with"]["as_of"] == TODAY.isoformat()
    third = readiness_json(capsys)
    assert third["changes"] == []
    assert third["compared_with"]["id"] > second["compared_with"]["id"]


def test_no_remember_compares_but_does_not_store(capsys: pytest.CaptureFixture[str], sample: Database) -> None:
    assert readiness_json(capsys, "--no-remember")["compared_with"] is None
    assert readiness_json(capsys, "--no-remember")["compared_with"] is None
    stored = readiness_json(capsys)
    assert stored["compared_with"] is None
    with sample.session() as session:
        approved_document(session, "process", "AI management system description", next_review=TODAY.replace(2027))
    peek = readiness_json(capsys, "--no-remember")
    assert peek["changes"] == [{"id": "4.4", "from": "partial", "to": "met"}]
    again = readiness_json(capsys, "--no-remember")
    assert again["changes"] == peek["changes"]
    assert again["compared_with"] == peek["compared_with"]


def test_each_view_is_compared_with_its_own_last_run(capsys: pytest.CaptureFixture[str], sample: Database) -> None:
    readiness_json(capsys)
    nist = readiness_json(capsys, "--framework", "nist-ai-rmf")
    assert nist["compared_with"] is None
    assert nist["view"] == "nist-ai-rmf"
    again = readiness_json(capsys, "--framework", "nist-ai-rmf")
    assert again["compared_with"]["view"] == "nist-ai-rmf"


def test_table_says_which_run_it_compares_with(capsys: pytest.CaptureFixture[str], sample: Database) -> None:
    readiness_json(capsys)
    with sample.session() as session:
        approved_document(session, "process", "AI management system description", next_review=TODAY.replace(2027))
    code, out, _ = run(capsys, "readiness")
    flat = " ".join(out.split())
    assert code == 0
    assert "Changed: 4.4 partial -> met" in flat
    assert "Changes are against the run of" in flat
    assert "by maria (as of 2026-05-04)" in flat


def test_stage1_report_files(capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path) -> None:
    target = tmp_path / "stage1.html"
    code, out, err = run(capsys, "readiness", "--stage1", str(target), "--organisation", "Northwind Lending")
    assert code == 0, err
    assert "documented-information items found" in " ".join(out.split())
    html = target.read_text(encoding="utf-8")
    assert "<h1>Northwind Lending: Stage 1 readiness report</h1>" in html
    pdf = tmp_path / "stage1.pdf"
    code, _, err = run(capsys, "readiness", "--stage1", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF-")
    code, _, err = run(capsys, "readiness", "--stage1", str(tmp_path / "stage1.docx"))
    assert code == 0, err
    assert (tmp_path / "stage1.docx").read_bytes().startswith(b"PK")
    code, _, err = run(capsys, "readiness", "--stage1", str(tmp_path / "stage1.txt"))
    assert code == 2
    assert "name a .html, .pdf or .docx file" in err
    code, _, err = run(capsys, "readiness", "--stage1", str(tmp_path / "nowhere" / "stage1.pdf"))
    assert code == 2
    assert "does not exist" in err
