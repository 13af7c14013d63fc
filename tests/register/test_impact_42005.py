"""Impact assessments after ISO/IEC 42005: what a new assessment takes from the register, groups typed on the
command line without JSON, the report as PDF and Word, and records of the earlier per-area form (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.support.cli import run

from openaims.register import migrations
from openaims.register.db import Database
from openaims.register.services import (
    ComponentService,
    DatasetService,
    ImpactAssessmentService,
    SystemService,
)

SYSTEM = {"name": "Scorer", "owner": "alice", "description": "Scorecard for loans", "purpose": "Score loans",
          "intended_use": "Advisory scores for analysts", "foreseeable_misuse": "Automatic refusals",
          "repositories": ["github.com/acme/scorer"]}  # fmt: skip
APPLICANTS = {"name": "Applicants", "benefits": "Faster answers", "harms": "Wrongful refusal", "severity": 4,
              "likelihood": 3, "measures": "Analyst review of refusals"}  # fmt: skip
YOUNG = {"name": "Applicants under 25", "vulnerable": True, "harms": "Lower scores", "severity": 4, "likelihood": 2,
         "measures": "Monthly disparate-impact test"}  # fmt: skip


def _system(s: Any) -> tuple[str, str, str]:
    system = SystemService(s, "alice").create(SYSTEM)
    data = DatasetService(s, "alice").create({"name": "Loan book", "system_ids": [system.id], "source": "Origination"})
    model = ComponentService(s, "alice").create(
        {"kind": "model", "name": "gpt-4o", "provider": "openai", "fingerprint": "f1", "repository": SYSTEM[
            "repositories"][0], "system_id": system.id}
    )
    ComponentService(s, "alice").create(
        {"kind": "dependency", "name": "openai", "provider": "openai", "fingerprint": "f2",
         "repository": SYSTEM["repositories"][0], "system_id": system.id}
    )  # fmt: skip
    return system.id, data.id, model.id


def _approved(s: Any, system_id: str) -> str:
    ias = ImpactAssessmentService(s, "raj")
    ia = ias.create({"system_id": system_id, "title": "Scorer AIIA", "impacted_groups": [APPLICANTS, YOUNG],
                     "failure_modes": [{"failure": "Drift", "consequences": "Unfair scores", "severity": 3,
                                        "likelihood": 2, "measures": "Drift alerts"}],
                     "deployment_context": "Lending in Ireland, in English", "reviewer": "lena",
                     "next_review": dt.date(2099, 1, 1)})  # fmt: skip
    ia = ias.transition(ia.id, ia.version, "in_review")
    return ImpactAssessmentService(s, "lena").approve_record(ia.id, ia.version, {}).id


def test_a_new_assessment_starts_from_what_the_register_knows_of_its_system(database: Database) -> None:
    with database.session() as s:
        system_id, data_id, model_id = _system(s)
        ia = ImpactAssessmentService(s, "raj").create({"system_id": system_id, "title": "Scorer AIIA"})
        typed = ImpactAssessmentService(s, "raj").create(
            {"system_id": system_id, "title": "Own words", "intended_uses": "Only for training analysts",
             "dataset_ids": [data_id], "model_ids": []}
        )  # fmt: skip
    assert ia.system_description == "Scorecard for loans\nPurpose: Score loans"
    assert (ia.intended_uses, ia.foreseeable_misuses) == ("Advisory scores for analysts", "Automatic refusals")
    assert (ia.dataset_ids, ia.model_ids) == ([data_id], [model_id])  # the dependency is not a model
    assert typed.intended_uses == "Only for training analysts"


def test_an_unknown_dataset_or_a_non_model_reference_is_refused(database: Database) -> None:
    from openaims.register.errors import RecordValidationError

    with database.session() as s:
        system_id, _data_id, _model_id = _system(s)
        with pytest.raises(RecordValidationError, match="DATA-9 does not exist"):
            ImpactAssessmentService(s, "raj").create({"system_id": system_id, "title": "x", "dataset_ids": ["DATA-9"]})
        with pytest.raises(RecordValidationError, match=r"'SYS-1' is not a COMP-\.\.\. id"):
            ImpactAssessmentService(s, "raj").create({"system_id": system_id, "title": "x", "model_ids": ["SYS-1"]})


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)
    return db_url


def test_groups_failure_modes_and_areas_are_typed_as_parts_on_the_command_line(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    code, out, err = run(capsys, "system", "add", "--name", "Scorer", "--format", "json")
    assert code == 0, err
    system_id = json.loads(out)["id"]
    code, out, err = run(
        capsys, "impact-assessment", "add", "--system-id", system_id, "--title", "Scorer AIIA",
        "--impacted-groups", "name=Loan applicants; harms=Wrongful refusal; delays; severity=4; likelihood=3",
        "--impacted-groups", "name=Applicants under 25; vulnerable=yes; harms=Lower scores\\; exclusion; severity=4; "
        "likelihood=2; measures=Monthly test",
        "--failure-modes", "failure=Drift; consequences=Unfair scores; severity=3; likelihood=2",
        "--areas", "fairness: severity=4; likelihood=3; description=Proxy discrimination",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads(out)
    assert [(g["name"], g["vulnerable"], g["harms"], g["severity"], g["likelihood"]) for g in
            record["impacted_groups"]] == [("Loan applicants", False, "Wrongful refusal; delays", 4, 3),
                                           ("Applicants under 25", True, "Lower scores; exclusion", 4, 2)]  # fmt: skip
    assert record["failure_modes"][0]["failure"] == "Drift"
    assert record["areas"] == {"fairness": {"severity": 4, "likelihood": 3, "description": "Proxy discrimination"}}


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--impacted-groups", "nme=Applicants", "--impacted-groups: 'nme' is not one of its parts"),
        ("--impacted-groups", "name=A; name=B", "--impacted-groups: 'name' is given twice"),
        ("--impacted-groups", "name=A; severity=high", "severity"),
        ("--areas", "fairnes: severity=3; likelihood=2", "--areas: 'fairnes' is not one of: fairness"),
        ("--areas", "severity=3", "--areas: write KEY: PART=VALUE"),
    ],
)
def test_a_badly_typed_group_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], cli_env: str, option: str, value: str, message: str
) -> None:
    run(capsys, "system", "add", "--name", "Scorer")
    code, out, err = run(capsys, "impact-assessment", "add", "--system-id", "SYS-1", "--title", "x", option, value)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "impact-assessment", "list", "--format", "json")
    assert json.loads(out)["total"] == 0


def _pdf_pages(path: Path) -> list[str]:
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return [page for page in result.stdout.split("\f") if page.strip()]


def test_the_report_as_pdf_and_docx_names_organisation_version_date_author_and_approver_on_every_page(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    database = Database(cli_env)
    with database.session() as s:
        system_id, _data_id, _model_id = _system(s)
        ia_id = _approved(s, system_id)
        version = ImpactAssessmentService(s, "raj").get(ia_id).version
    today = dt.datetime.now(dt.UTC).date().isoformat()
    stamp = f"Northwind Lending - AI system impact assessment {ia_id}: Scorer - version {version} - {today} - " \
            "author: raj - approver: lena"
    pdf, docx = tmp_path / "ia.pdf", tmp_path / "ia.docx"
    for target in (pdf, docx):
        code, out, err = run(capsys, "impact-assessment", "report", ia_id, "-o", str(target),
                             "--organisation", "Northwind Lending")  # fmt: skip
        assert code == 0, err
        assert f"Wrote {target}" in " ".join(out.split())
    pages = _pdf_pages(pdf)
    assert len(pages) >= 2
    for page in pages:
        assert stamp in " ".join(page.split())
    whole = " ".join(" ".join(pages).split())
    for expected in ("Intended uses Advisory scores for analysts", "Automatic refusals", "DATA-1 Loan book",
                     "COMP-1 gpt-4o", "Lending in Ireland, in English", "Applicants under 25 (vulnerable group)",
                     "Harms: Wrongful refusal", "Rating: severity 4, likelihood 3",
                     "Measures taken: Analyst review of refusals", "Drift Unfair scores", "approved and current",
                     "GAP: the scope of the assessment is not recorded", "Reviewed and approved by: lena"):  # fmt: skip
        assert expected in whole, expected

    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(docx.read_bytes()))
    assert all(stamp == section.footer.paragraphs[0].text for section in word.sections)
    body = "\n".join(p.text for p in word.paragraphs)
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert "Applicants under 25 (vulnerable group)" in body
    assert "Measures taken: Monthly disparate-impact test" in body
    assert cells[cells.index("Applicants under 25"):][:2] == ["Applicants under 25", "yes"]


def test_the_report_of_a_stale_assessment_says_why_and_of_a_missing_one_exits_2(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    from openaims.register.services import IncidentService

    database = Database(cli_env)
    with database.session() as s:
        system_id, _data_id, _model_id = _system(s)
        ia_id = _approved(s, system_id)
        IncidentService(s, "alice").create({"title": "Scores drifted", "severity": "high", "system_ids": [system_id]})
    target = tmp_path / "ia.md"
    code, _, err = run(capsys, "impact-assessment", "report", ia_id, "-o", str(target))
    assert code == 0, err
    assert f"approved, stale: incident INC-1 (high) on {system_id}: Scores drifted" in target.read_text()
    code, _, err = run(capsys, "impact-assessment", "report", "IA-99", "-o", str(target))
    assert (code, " ".join(err.split())) == (2, "aims: error: no impact assessment 'IA-99'; list them with 'aims "
                                      "impact-assessment list'")  # fmt: skip
    code, _, err = run(capsys, "impact-assessment", "report", ia_id, "-o", str(tmp_path / "ia.txt"))
    assert code == 2
    assert "name a .pdf, .docx or .md file" in err


def test_an_assessment_recorded_per_area_is_upgraded_to_groups_and_its_history_still_verifies(db_url: str) -> None:
    from openaims.register.integrity import verify_register

    database = Database(db_url)
    engine = database.engine
    with database.session() as s:
        system = SystemService(s, "alice").create({"name": "Scorer"})
        old = ImpactAssessmentService(s, "raj").create({
            "system_id": system.id, "title": "Per area", "affected_groups": ["customers"],
            "vulnerable_groups": ["minors"], "areas": {"fairness": {"severity": 3, "likelihood": 2}},
        })  # fmt: skip
    migrations.downgrade(engine, "0015_list_order")
    migrations.upgrade(engine)
    with database.session() as s:
        upgraded = ImpactAssessmentService(s, "raj").get(old.id)
        report = verify_register(s, check_storage=False)
        new = ImpactAssessmentService(s, "raj").create(
            {"system_id": system.id, "title": "Per group", "impacted_groups": [APPLICANTS, YOUNG]}
        )
    assert [(g.name, g.vulnerable, g.severity, g.likelihood) for g in upgraded.impacted_groups] == [
        ("customers", False, 3, 2), ("minors", True, 3, 2)]
    assert report.area("records").ok, report.describe()
    migrations.downgrade(engine, "0015_list_order")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, affected_groups, vulnerable_groups FROM impact_assessments"))
        kept = {i: [json.loads(v) if isinstance(v, str) else v for v in rest] for i, *rest in rows}
    assert kept == {old.id: [["customers"], ["minors"]], new.id: [["Applicants"], ["Applicants under 25"]]}
    migrations.upgrade(engine)
    engine.dispose()
