"""The SoA as a controlled document: approval freezes a version; versions compare; exports."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest

from openaims.errors import ConflictError, PermissionDeniedError
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.services import SoaService, SoaVersionService
from openaims.reports import soa as soa_report

MANAGER = Actor("maria", frozenset({Role.AIMS_MANAGER}))
CONTRIBUTOR = Actor("raj", frozenset({Role.CONTRIBUTOR}))


def _put(soa: SoaService, data: dict[str, object], status: str) -> None:
    row = soa.for_control(str(data["control_id"]))
    if row is None:
        soa.create(data, status=status)
    else:
        soa.update(row.id, row.version, {**data, "status": status})


def _rows(db: Database) -> None:
    with db.session() as s:
        soa = SoaService(s, MANAGER)
        _put(soa, {"control_id": "A.2.2", "justification": "AI policy approved by the board", "owner": "maria"},
             "not_started")  # fmt: skip
        _put(soa, {"control_id": "A.10.4", "applicable": False, "justification": "We have no AI customers"},
             "excluded")  # fmt: skip
        _put(soa, {"control_id": "A.6.2.4", "justification": "Models are verified before release"}, "partial")


def test_approval_freezes_rows_with_approver_and_date(database: Database) -> None:
    _rows(database)
    with database.session() as s:
        v1 = SoaVersionService(s, MANAGER, clock=lambda: dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)).approve()
    assert (v1.number, v1.status, v1.approver, v1.approved_on) == (1, "approved", "maria", dt.date(2026, 11, 2))
    assert [r["control_id"] for r in v1.rows] == ["A.2.2", "A.6.2.4", "A.10.4"]
    with database.session() as s:
        entry = SoaService(s, MANAGER).get("SOA-A.6.2.4")
        SoaService(s, MANAGER).update(entry.id, entry.version, {"status": "implemented", "links": ["SOA-A.2.2"]})
    with database.session() as s:
        frozen = SoaVersionService(s, MANAGER).get(v1.id)
        assert next(r for r in frozen.rows if r["control_id"] == "A.6.2.4")["status"] == "partial"
        v2 = SoaVersionService(s, MANAGER).approve(change_summary="A.6.2.4 implemented")
        assert v2.number == 2
        assert SoaVersionService(s, MANAGER).get(v1.id).status == "superseded"
        comparison = SoaVersionService(s, MANAGER).compare(v1.id, v2.id)
    assert [(c.control_id, c.change, c.fields) for c in comparison.changes] == [
        ("A.6.2.4", "changed", {"status": ("partial", "implemented")})
    ]


def test_nothing_changed_makes_no_new_version(database: Database) -> None:
    _rows(database)
    with database.session() as s:
        SoaVersionService(s, MANAGER).approve()
        with pytest.raises(ConflictError, match="nothing changed"):
            SoaVersionService(s, MANAGER).approve()


def test_only_managers_approve_and_versions_cannot_be_hand_made(database: Database) -> None:
    _rows(database)
    with database.session() as s:
        with pytest.raises(PermissionDeniedError):
            SoaVersionService(s, CONTRIBUTOR).approve()
        with pytest.raises(RuleViolationError, match="aims soa approve"):
            SoaVersionService(s, MANAGER).create({"number": 9, "title": "forged", "rows": [{"control_id": "A.2.2"}]})
        with pytest.raises(RecordValidationError, match="Approver is recorded from the approval itself"):
            SoaVersionService(s, MANAGER).create(
                {"number": 9, "title": "forged", "approver": "maria", "rows": [{"control_id": "A.2.2"}]}
            )


def test_approved_version_is_immutable(database: Database) -> None:
    _rows(database)
    with database.session() as s:
        v1 = SoaVersionService(s, MANAGER).approve()
    with database.session() as s, pytest.raises(RuleViolationError):
        SoaVersionService(s, MANAGER).update(v1.id, v1.version, {"title": "rewritten"})


def test_exports_name_version_date_and_approver_on_every_page(database: Database) -> None:
    _rows(database)
    with database.session() as s:
        v1 = SoaVersionService(s, MANAGER, clock=lambda: dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)).approve()
    document = soa_report.from_version(v1, "Northwind Lending")
    stamp = "Statement of Applicability version 1 (SOAV-1), approved by maria on 2026-11-02"
    assert document.stamp == stamp

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(soa_report.to_xlsx(document))).active
    assert sheet["A2"].value == stamp
    assert sheet.oddFooter.left.text == stamp
    controls = [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)]
    assert controls == ["A.2.2", "A.6.2.4", "A.10.4"]
    titles = [row[1] for row in sheet.iter_rows(min_row=6, values_only=True)]
    assert all(titles), titles

    pdf = soa_report.to_pdf(document)
    assert pdf.startswith(b"%PDF")


def test_pdf_pages_carry_the_stamp(database: Database, tmp_path: Path) -> None:
    pdftotext = Path("/usr/bin/pdftotext")
    if not pdftotext.exists():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    rows = [
        {"control_id": f"A.6.2.{i % 8 + 2}", "applicable": True, "status": "planned", "justification": "x " * 200}
        for i in range(40)
    ]
    document = soa_report.SoaDocument(
        "Org",
        "Statement of Applicability version 3 (SOAV-3)",
        "ana",
        dt.date(2026, 1, 5),
        rows,
        dt.datetime.now(dt.UTC),
    )
    target = tmp_path / "soa.pdf"
    target.write_bytes(soa_report.to_pdf(document))
    text = subprocess.run(
        [str(pdftotext), "-layout", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) > 1
    assert all("approved by ana on 2026-01-05" in page for page in pages)


def test_cli_approve_versions_diff_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'aims.db'}"
    env = {"AIMS_DATABASE_URL": url, "AIMS_ACTOR": "maria", "COLUMNS": "160"}
    import os

    run_env = {**os.environ, **env}

    def aims(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "openaims", *args], capture_output=True, text=True, env=run_env, cwd=tmp_path
        )

    assert aims("init").returncode == 0
    assert aims("soa", "export", str(tmp_path / "none.xlsx")).returncode == 2
    db = Database(url)
    _rows(db)
    with db.session() as s:  # the rows every register starts with, assessed
        soa = SoaService(s, MANAGER)
        for row in soa.all(status="not_assessed"):
            soa.update(row.id, row.version, {"status": "planned", "justification": f"{row.title}, for our reasons"})
    db.dispose()
    approved = aims("soa", "approve", "--summary", "first")
    assert approved.returncode == 0, approved.stderr
    assert "version 1" in approved.stdout
    out = aims("soa", "export", str(tmp_path / "soa.xlsx"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "soa.xlsx").read_bytes()[:2] == b"PK"
    assert aims("soa", "export", str(tmp_path / "soa.txt")).returncode == 2
    listed = aims("soa", "versions", "--format", "json")
    assert '"approver": "maria"' in listed.stdout
