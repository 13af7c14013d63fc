"""Every register starts with a Statement of Applicability row per Annex A control; the
organisation adds its own controls; made-up Annex A ids are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.support.cli import run

from openaims.register import migrations, open_register
from openaims.register.db import Database
from openaims.register.models.soa import SoaEntry
from openaims.register.services import SoaService, SoaVersionService
from openaims.register.services.soa import annex_a_titles
from openaims.settings import load_settings


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> str:
    for name in ("AIMS_ACTOR", "AIMS_TOKEN", "AIMS_LIST_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    return db_url


def _rows(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    code, out, err = run(capsys, "soa-entry", "list", "--format", "json")
    assert code == 0, err
    items: list[dict[str, object]] = json.loads(out)["items"]
    return items


def test_a_fresh_register_lists_the_38_annex_a_rows_not_assessed(
    capsys: pytest.CaptureFixture[str], register: str
) -> None:
    assert run(capsys, "init")[0] == 0
    rows = _rows(capsys)
    assert len(rows) == 38
    assert {r["control_id"]: r["title"] for r in rows} == annex_a_titles()
    assert {r["status"] for r in rows} == {"not_assessed"}
    code, out, _ = run(capsys, "history", "verify")
    assert code == 0, out
    assert "38 of 38 records match their last event" in out


def test_init_again_adds_nothing(capsys: pytest.CaptureFixture[str], register: str) -> None:
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "init")[0] == 0
    assert len(_rows(capsys)) == 38


def test_an_existing_register_gets_the_rows_it_lacks_when_upgraded(database: Database, db_url: str) -> None:
    migrations.downgrade(database.engine, "0008_unsigned_approvals")
    with database.session() as s:  # a row from before: the columns of that schema only
        s.execute(
            SoaEntry.__table__.insert().values(
                id="SOA-A.2.2", control_id="A.2.2", applicable=True, justification="Board-approved policy",
                treatment_ids=[], evidence_ids=[], links=[], status="implemented", version=1,
                created_at=func.now(), created_by="maria", updated_at=func.now(), updated_by="maria",
            )
        )  # fmt: skip
    database.dispose()
    upgraded = open_register(load_settings().model_copy(update={"database_url": db_url}))
    try:
        with upgraded.read() as s:
            rows = {r.control_id: r for r in SoaService(s, "maria").all()}
            assert s.execute(select(func.count()).select_from(SoaEntry)).scalar_one() == 38
    finally:
        upgraded.dispose()
    assert set(rows) == set(annex_a_titles())
    assert (rows["A.2.2"].status, rows["A.2.2"].title) == ("implemented", "Documented AI policy")
    assert rows["A.2.3"].status == "not_assessed"


def test_the_organisation_adds_its_own_control_with_a_title(
    capsys: pytest.CaptureFixture[str], register: str
) -> None:
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, "soa-entry", "add", "--control-id", "NW.1", "--title", "Model registry kept")
    assert code == 0, err
    assert "Created SOA-NW.1 (not_assessed, version 1)" in out
    assert len(_rows(capsys)) == 39
    code, _, err = run(capsys, "soa-entry", "add", "--control-id", "NW.2")
    assert code == 2
    assert "the organisation's own control NW.2 needs a title" in err


@pytest.mark.parametrize("control", ["A.5.9", "A.6.1", "a.5.9", "A.11.1"])
def test_an_id_that_looks_like_annex_a_but_is_not_in_it_is_refused(
    capsys: pytest.CaptureFixture[str], register: str, control: str
) -> None:
    assert run(capsys, "init")[0] == 0
    code, _, err = run(capsys, "soa-entry", "add", "--control-id", control, "--title", "Made up",
                         "--justification", "x")  # fmt: skip
    assert code == 2
    assert f"{control} is not an ISO/IEC 42001 Annex A control" in err
    assert "Traceback" not in err
    assert len(_rows(capsys)) == 38


def test_an_annex_a_row_keeps_the_catalogue_title(capsys: pytest.CaptureFixture[str], register: str) -> None:
    assert run(capsys, "init")[0] == 0
    code, _, err = run(capsys, "soa-entry", "update", "SOA-A.2.2", "--title", "Something else", "--version", "1")
    assert code == 0, err
    assert next(r for r in _rows(capsys) if r["control_id"] == "A.2.2")["title"] == "Documented AI policy"


def _soa_state(database: Database) -> tuple[int, int]:
    from openaims.register.models.internal import HistoryEvent
    from openaims.register.models.soa_versions import SoaVersion

    with database.read() as s:
        return (
            s.execute(select(func.count()).select_from(SoaVersion)).scalar_one(),
            s.execute(select(func.count()).select_from(HistoryEvent)).scalar_one(),
        )


def _assess_all(capsys: pytest.CaptureFixture[str], *, skip: tuple[str, ...] = ()) -> None:
    for row in _rows(capsys):
        control = str(row["control_id"])
        if control in skip:
            continue
        code, _, err = run(capsys, "soa-entry", "update", str(row["id"]), "--version", str(row["version"]),
                           "--status", "planned", "--justification", f"Why {control} matters to us")  # fmt: skip
        assert code == 0, err


def test_approval_is_refused_naming_the_rows_not_assessed_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], register: str, database: Database
) -> None:
    assert run(capsys, "init")[0] == 0
    before = _soa_state(database)
    code, _, err = run(capsys, "soa", "approve")
    assert code == 1
    assert "38 not assessed: A.2.2, A.2.3," in err
    assert "A.10.4" in err
    assert _soa_state(database) == before


def test_approval_is_refused_for_an_implemented_row_without_evidence_or_record(
    capsys: pytest.CaptureFixture[str], register: str, database: Database
) -> None:
    assert run(capsys, "init")[0] == 0
    _assess_all(capsys)
    code, _, err = run(capsys, "soa-entry", "update", "SOA-A.2.2", "--version", "2", "--status", "implemented")
    assert code == 0, err
    before = _soa_state(database)
    code, _, err = run(capsys, "soa", "approve")
    assert code == 1
    assert "1 implemented with no linked evidence or record: A.2.2" in err
    assert "not assessed" not in err
    assert _soa_state(database) == before


def test_an_exclusion_needs_a_justification_and_a_row_left_unassessed_blocks_approval(
    capsys: pytest.CaptureFixture[str], register: str
) -> None:
    assert run(capsys, "init")[0] == 0
    code, _, err = run(capsys, "soa-entry", "update", "SOA-A.10.4", "--version", "1", "--status", "excluded",
                       "--applicable", "false")  # fmt: skip
    assert code == 1
    assert "without justification" in err.lower()
    _assess_all(capsys, skip=("A.9.4",))
    code, _, err = run(capsys, "soa", "approve")
    assert code == 1
    assert "1 not assessed: A.9.4" in err


def test_evidence_attached_from_the_evidence_side_lets_the_row_be_approved(
    capsys: pytest.CaptureFixture[str], register: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    database: Database,
) -> None:
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    assert run(capsys, "init")[0] == 0
    _assess_all(capsys)
    assert run(capsys, "soa-entry", "update", "SOA-A.2.2", "--version", "2", "--status", "implemented")[0] == 0
    policy = tmp_path / "ai-policy.pdf"
    policy.write_bytes(b"%PDF-1.4 approved AI policy")
    code, _, err = run(capsys, "evidence", "add-file", str(policy), "--attach", "SOA-A.2.2")
    assert code == 0, err
    code, out, err = run(capsys, "soa", "approve")
    assert code == 0, err
    assert "Approved SOAV-1" in out
    with database.read() as s:
        frozen = SoaVersionService(s, "maria").get_by_number(1).rows
    assert next(r for r in frozen if r["control_id"] == "A.2.2")["evidence_ids"] == ["EVD-1"]


def test_the_same_justification_on_two_rows_is_a_warning(capsys: pytest.CaptureFixture[str], register: str) -> None:
    assert run(capsys, "init")[0] == 0
    _assess_all(capsys)
    for row_id in ("SOA-A.2.3", "SOA-A.2.4"):
        code, _, err = run(capsys, "soa-entry", "update", row_id, "--version", "2",
                           "--justification", "Needed to treat our AI risks.")  # fmt: skip
        assert code == 0, err
    code, out, err = run(capsys, "soa", "approve")
    assert code == 0, err
    assert "warning: A.2.3, A.2.4 have the same justification word for word" in out


def test_the_approver_is_shown_by_name_and_role_on_the_soa_and_its_exports(
    capsys: pytest.CaptureFixture[str], register: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    assert run(capsys, "init")[0] == 0
    code, _, err = run(capsys, "person", "add", "--name", "Elena Novak", "--username", "elena",
                       "--job-title", "Chief Risk Officer")  # fmt: skip
    assert code == 0, err
    _assess_all(capsys)
    monkeypatch.setenv("AIMS_ACTOR", "elena")
    code, out, err = run(capsys, "soa", "approve")
    assert code == 0, err
    assert "by Elena Novak (Chief Risk Officer) on " in " ".join(out.split())
    code, out, _ = run(capsys, "soa", "versions", "--format", "json")
    assert json.loads(out)[0]["approved_by"] == "Elena Novak (Chief Risk Officer)"
    assert run(capsys, "soa", "export", str(tmp_path / "soa.xlsx"))[0] == 0
    stamp = str(load_workbook(tmp_path / "soa.xlsx").active["A2"].value)
    assert "approved by Elena Novak (Chief Risk Officer) on " in stamp
    assert "elena" not in stamp
