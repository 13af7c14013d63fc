"""Documents people read, built from the register as PDF and Word: the internal audit report, the
minutes of a management review, the risk register and treatment plan, and the Statement of
Applicability. Each carries the organisation, version, date, author and approver on every page,
the standard's clause and control numbers with their headings, the records' content, and gaps
marked as gaps."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.readiness.kit import ADMIN
from tests.support.cli import run
from tests.support.documents import docx_margins, docx_text, pdf_pages, pdf_text

from openaims.readiness.snapshot import Snapshot, load_snapshot
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.reports import soa as soa_report
from openaims.reports.audit_report import build_audit_report
from openaims.reports.document import DocFormat, Document, render
from openaims.reports.review_minutes import Minutes, to_document
from openaims.reports.risk_register import build_risk_register
from openaims.reports.standard import heading

TODAY = dt.datetime.now(dt.UTC).date()
ORG = "Northwind Lending"


@pytest.fixture
def empty(_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.setenv("AIMS_ORGANISATION", ORG)
    db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def sample(empty: Database, tmp_path: Path) -> Database:
    with empty.session() as session:
        load_demo(session, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    return empty


def snapshot(database: Database) -> Snapshot:
    with database.read() as session:
        return load_snapshot(session, ADMIN, today=TODAY)


def both(document: Document, tmp_path: Path) -> tuple[str, str]:
    return pdf_text(render(document, DocFormat.PDF), tmp_path), docx_text(render(document, DocFormat.DOCX))


def assert_stamped(document: Document, tmp_path: Path) -> None:
    """Organisation, title, version, date, author and approver on every PDF page and in Word's margins."""
    meta = document.meta
    pages = pdf_pages(render(document, DocFormat.PDF), tmp_path)
    for number, page in enumerate(pages, 1):
        assert f"{meta.organisation} - " in page, number
        assert f"version {meta.version}" in page, number
        assert meta.date.isoformat() in page, number
        assert f"author: {meta.author or 'not recorded'}" in page, number
        assert f"approver: {meta.approver or 'not approved'}" in page, number
    margins = " ".join(docx_margins(render(document, DocFormat.DOCX)))
    assert meta.stamp in margins


def test_the_internal_audit_report_shows_scope_findings_and_conclusions(sample: Database, tmp_path: Path) -> None:
    snap = snapshot(sample)
    audit = snap.of("audit", "completed")[0]
    findings = [f for f in snap.of("finding") if f.audit_id == audit.id]
    assert findings
    document = build_audit_report(snap, audit.id, organisation=ORG, approver="maria")
    assert_stamped(document, tmp_path)
    for text in both(document, tmp_path):
        assert audit.title in text
        assert audit.auditor in text
        assert " ".join(audit.report.split()) in text
        for clause in audit.clauses:
            assert heading(clause) in text  # the standard's number with its heading
            assert heading(clause) != clause
        for finding in findings:
            assert finding.description in text
            for ref in (finding.clause_ref, finding.control_ref):
                if ref:
                    assert heading(ref) in text
            if finding.nonconformity_id:
                assert finding.nonconformity_id in text
        assert "Accepted by (management): maria" in text


def test_a_planned_audit_without_findings_or_report_is_a_report_of_gaps(
    capsys: pytest.CaptureFixture[str], empty: Database, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "audit", "add", "--title", "Audit of clause 7", "--auditor", "ana")
    assert code == 0, err
    snap = snapshot(empty)
    audit = snap.of("audit")[0]
    for text in both(build_audit_report(snap, audit.id, organisation=ORG), tmp_path):
        assert f"GAP: {audit.id} belongs to no audit programme" in text
        assert "GAP: the audit names no clauses or controls of ISO/IEC 42001" in text
        assert "GAP: no findings recorded yet; the audit is planned" in text
        assert "GAP: the audit has no report text" in text


def test_the_risk_register_lists_every_risk_and_treatment_and_marks_untreated_risks(
    sample: Database, tmp_path: Path
) -> None:
    snap = snapshot(sample)
    document = build_risk_register(snap, organisation=ORG, author="maria")
    assert_stamped(document, tmp_path)
    treated = {t.risk_id for t in snap.of("treatment")}
    method = snap.of("risk_method", "approved")[-1]
    for text in both(document, tmp_path):
        assert method.name in text
        assert heading("6.1.3") in text
        assert heading("8.3") in text
        for risk in snap.of("risk"):
            assert f"{risk.id} {risk.title}" in text
            if risk.id not in treated and risk.status not in ("closed", "accepted"):
                assert f"GAP: {risk.id} {risk.title} ({risk.status}) has no treatment" in text
        for treatment in snap.of("treatment"):
            assert treatment.id in text
            if treatment.description:
                assert treatment.description in text
            for control in treatment.control_ids:
                assert heading(control) in text


def test_the_risk_register_of_one_system_holds_only_its_risks(sample: Database, tmp_path: Path) -> None:
    snap = snapshot(sample)
    system = snap.of("system")[1]
    text = pdf_text(render(build_risk_register(snap, organisation=ORG, system_id=system.id), DocFormat.PDF), tmp_path)
    for risk in snap.of("risk"):
        assert (f"{risk.id} {risk.title}" in text) is (system.id in risk.system_ids), risk.id


def test_an_empty_register_gives_a_risk_register_of_gaps(empty: Database, tmp_path: Path) -> None:
    for text in both(build_risk_register(snapshot(empty), organisation=ORG), tmp_path):
        assert "GAP: no approved risk assessment method" in text
        assert "GAP: no AI risks in the register" in text


def test_management_review_minutes_show_attendees_inputs_decisions_and_actions(
    sample: Database, tmp_path: Path
) -> None:
    snap = snapshot(sample)
    review = snap.of("management_review", "closed")[-1]
    actions = [a for a in snap.of("review_action") if a.review_id == review.id]
    minutes = Minutes(review, actions, dt.datetime.now(dt.UTC), "elena")
    document = to_document(minutes, organisation=ORG)
    assert document.meta.author == review.chair
    assert_stamped(document, tmp_path)
    for text in both(document, tmp_path):
        for person in review.attendees:
            assert person in text
        for decision in review.decisions:
            assert " ".join(decision.split()) in text
        for action in actions:
            assert action.description in text
        for section in review.compiled_inputs["sections"]:
            assert section["title"] in text
        assert heading("9.3.2") in text


def test_the_soa_in_word_shows_every_control_with_its_heading_and_justification(
    sample: Database, tmp_path: Path
) -> None:
    snap = snapshot(sample)
    version = max(snap.of("soa_version", "approved"), key=lambda v: v.number)
    document = soa_report.from_version(version, ORG, approver="Maria Lopez")
    text = docx_text(soa_report.to_docx(document))
    for row in version.rows:
        assert f"{row['control_id']} {heading(row['control_id']).split(' ', 1)[1]}" in text
        if row.get("justification"):
            assert " ".join(row["justification"].split()) in text
    assert_stamped(soa_report.to_document(document), tmp_path)


def test_the_commands_write_each_document_in_the_format_the_file_name_says(
    capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path
) -> None:
    snap = snapshot(sample)
    audit = snap.of("audit", "completed")[0]
    review = snap.of("management_review", "closed")[-1]
    commands = {
        "audit.pdf": ("audit", "report", audit.id),
        "audit.docx": ("audit", "report", audit.id),
        "minutes.docx": ("management-review", "minutes", review.id),
        "minutes.pdf": ("management-review", "minutes", review.id),
        "risks.docx": ("risk", "report"),
        "risks.md": ("risk", "report"),
        "soa.docx": ("soa", "export"),
    }
    for name, args in commands.items():
        target = tmp_path / name
        code, out, err = run(capsys, *args, str(target))
        assert code == 0, (name, err)
        assert target.exists(), out
        data = target.read_bytes()
        text = pdf_text(data, tmp_path) if name.endswith(".pdf") else (
            docx_text(data) if name.endswith(".docx") else data.decode()
        )
        assert ORG in text or ORG in " ".join(docx_margins(data)), name
    # Who completed the audit is its approver, from the history.
    assert "approver: not approved" not in pdf_text((tmp_path / "audit.pdf").read_bytes(), tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("audit", "report", "AUD-999", "x.pdf"), "no internal audit 'AUD-999'"),
        (("audit", "report", "AUD-1", "x.txt"), "cannot tell the format from 'x.txt'"),
        (("risk", "report", "x.pdf", "--system", "SYS-999"), "no AI system 'SYS-999'"),
        (("management-review", "minutes", "MR-999", "x.pdf"), "MR-999"),
        (("soa", "export", "x.odt"), "cannot tell the format from 'x.odt'"),
    ],
)
def test_unknown_records_and_formats_are_one_line_errors(
    capsys: pytest.CaptureFixture[str],
    sample: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x.*"))


def test_packs_hold_the_documents_as_pdf_and_word(
    capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import zipfile

    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    for name in ("AIMS_PACK_SCOPE", "AIMS_PACK_AS_OF", "AIMS_KEY_FILE", "AIMS_PUBLIC_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    snap = snapshot(sample)
    pack = tmp_path / "pack.zip"
    assert run(capsys, "pack", "-o", str(pack))[0] == 0
    with zipfile.ZipFile(pack) as archive:
        listed = {f["path"]: f for f in json.loads(archive.read("manifest.json"))["files"]}
        reports = {p: e for p, e in listed.items() if p.startswith("reports/")}
        audits = snap.of("audit", "in_progress", "completed")
        reviews = snap.of("management_review", "held", "closed")
        assert audits
        assert reviews
        for record in (*audits, *reviews):
            files = sorted(p for p, e in reports.items() if e["source"] == record.id)
            assert [Path(p).suffix for p in files] == [".docx", ".pdf"], record.id
            text = pdf_text(archive.read(files[1]), tmp_path)
            assert record.title in text
            assert docx_text(archive.read(files[0]))
        risks = pdf_text(archive.read("reports/risks/AI risk register and treatment plan.pdf"), tmp_path)
        for risk in snap.of("risk"):
            assert f"{risk.id} {risk.title}" in risks
        assert any(p.startswith("reports/soa/") and p.endswith(".docx") for p in reports)
    # A system's pack has that system's risk register only.
    system = snap.of("system")[1]
    narrow = tmp_path / "system.zip"
    assert run(capsys, "pack", "-o", str(narrow), "--scope", f"system {system.id}")[0] == 0
    with zipfile.ZipFile(narrow) as archive:
        text = pdf_text(archive.read("reports/risks/AI risk register and treatment plan.pdf"), tmp_path)
    for risk in snap.of("risk"):
        assert (f"{risk.id} {risk.title}" in text) is (system.id in risk.system_ids), risk.id
    code, out, _ = run(capsys, "pack", "verify", str(pack))
    assert code == 0, out
