"""The Stage 1 report people read (PDF and Word): scope text, every AIMS document with its version
and approval, the SoA summary, readiness per clause with the records' content and the same status
as ``aims readiness``, open gaps marked as gaps, a legend and a sign-off block."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document as WordDocument
from tests.readiness.kit import ADMIN
from tests.support.cli import run

from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.reports.stage1 import Stage1Report, build_stage1, to_docx, to_pdf

TODAY = dt.datetime.now(dt.UTC).date()
NOW = dt.datetime.combine(TODAY, dt.time(9, 30), tzinfo=dt.UTC)


@pytest.fixture
def sqlite_database(_sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


def report_of(database: Database, evidence: Path) -> Stage1Report:
    with database.read() as session:
        return build_stage1(session, ADMIN, today=TODAY, organisation="Northwind Lending", evidence_dir=evidence, now=NOW)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    target = tmp_path / "report.pdf"
    target.write_bytes(data)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def docx_text(data: bytes) -> str:
    word = WordDocument(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


@pytest.fixture
def sample(sqlite_database: Database, tmp_path: Path) -> Database:
    with sqlite_database.session() as session:
        load_demo(session, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    return sqlite_database


def test_the_sample_stage1_report_shows_scope_documents_and_the_readiness_statuses(
    sample: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = report_of(sample, tmp_path / "evidence")
    snap = report.snapshot
    assert snap is not None
    scope = snap.approved_scope()
    pdf = pdf_text(to_pdf(report), tmp_path)
    word = docx_text(to_docx(report))
    for text in (pdf, word):
        assert " ".join(scope.statement.split()) in text
        for document in snap.of("document"):
            version = max((v for v in snap.of("document_version") if v.document_id == document.id), key=lambda v: v.number)
            assert document.title in text
            assert f"{version.number} ({version.id})" in text
        assert "Legend" in text
        assert "Sign-off" in text
        assert "Approved by (top management)" in text
        assert "Open gaps" in text
    # The readiness statuses are those of 'aims readiness', clause by clause.
    monkeypatch.setenv("AIMS_DATABASE_URL", sample.url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    code, out, err = run(capsys, "readiness", "--format", "json", "--no-remember", "--date", TODAY.isoformat())
    assert code == 0, err
    labels = {"met": "met", "partial": "partial", "missing": "missing", "not_applicable": "not applicable"}
    for item in json.loads(out)["items"]:
        if item["id"].startswith("A."):
            continue
        heading = f"{item['id']} {item['title']}: {labels[item['status']]}"
        assert heading in pdf, heading
        assert heading in word, heading
    # Records are shown with their content, not only their ids.
    risk = snap.of("risk")[0]
    assert f'{risk.id} "{risk.title}"' in pdf


def test_an_empty_register_gives_a_report_of_marked_gaps(sqlite_database: Database, tmp_path: Path) -> None:
    report = report_of(sqlite_database, tmp_path / "evidence")
    for text in (pdf_text(to_pdf(report), tmp_path), docx_text(to_docx(report))):
        assert "GAP: no AIMS scope in the register" in text
        assert "GAP: no controlled documents in the register" in text
        assert "GAP: no context issues in the register" in text
        assert "GAP: no records support 4.1" in text
        scope = next(i for i in report.clauses if i.id == "4.3")
        assert f"4.3 {scope.title}: missing" in text


def test_the_word_report_is_the_same_for_the_same_register(sample: Database, tmp_path: Path) -> None:
    report = report_of(sample, tmp_path / "evidence")
    assert to_docx(report) == to_docx(report)
    assert to_pdf(report) == to_pdf(report)
