"""aims demo-data: Northwind Lending loads through the services on both databases, deterministically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from openaims.discovery.interface import Finding, ScanOptions
from openaims.discovery.scanner import Scanner
from openaims.errors import ConflictError
from openaims.register import history
from openaims.register.db import Database
from openaims.register.demo import REPOSITORY, load_demo
from openaims.register.exchange import export_register
from openaims.register.integrity import verify_register
from openaims.register.models.internal import HistoryEvent
from openaims.register.services import (
    ComponentService,
    DocumentVersionService,
    NonconformityService,
    RiskService,
    SoaService,
    SystemService,
    TreatmentService,
)
from openaims.register.services.accounts import AccountService
from openaims.register.testing import reset_database

TODAY = dt.date(2026, 5, 4)
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-monorepo"


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return Scanner(ScanOptions(root=SAMPLE), jobs=1).scan().findings


def load(
    database: Database, tmp_path: Path, findings: list[Finding] | None, scale: int = 1, *, accounts: bool = False
) -> None:
    with database.session() as s:
        load_demo(s, today=TODAY, evidence_dir=tmp_path / "evidence", scan_findings=findings, scale=scale,
                  accounts=accounts)  # fmt: skip


def test_annex_a_controls_match_the_catalogue() -> None:
    from openaims.frameworks.loader import load_catalogue
    from openaims.register.demo import ANNEX_A_CONTROLS

    catalogue = load_catalogue().framework("iso42001").of_kind("control")
    assert list(ANNEX_A_CONTROLS) == [(item.id, item.title) for item in catalogue]


def test_demo_register_is_complete_and_its_history_verifies(
    database: Database, tmp_path: Path, findings: list[Finding]
) -> None:
    load(database, tmp_path, findings, accounts=True)
    with database.read() as s:
        assert history.verify(s).ok
        integrity = verify_register(s)  # every record and account matches its last event
        assert integrity.ok, integrity.findings
        systems = {x.name: x for x in SystemService(s, "x").all()}
        assert set(systems) == {"Customer support chatbot", "Credit scoring model", "Internal coding assistant"}
        assert systems["Credit scoring model"].risk_tier == "high"
        soa = SoaService(s, "x").all()
        assert len(soa) == 38
        assert {r.control_id for r in soa if r.status == "excluded"} == {"A.10.4"}
        versions = DocumentVersionService(s, "x").all(document_id="DOC-1")
        assert sorted(v.status for v in versions) == ["approved", "draft"]
        overdue = [t.id for t in TreatmentService(s, "x").all()
                   if t.due_date and t.due_date < TODAY and t.status in ("planned", "in_progress")]  # fmt: skip
        assert len(overdue) == 1
        # identified: raised by the chatbot's security review, not assessed yet
        assert {r.status for r in RiskService(s, "x").all()} == {"treated", "accepted", "assessed", "identified"}
        closed = [n for n in NonconformityService(s, "x").all() if n.status == "closed"]
        assert len(closed) == 1
        components = ComponentService(s, "x").all(repository=REPOSITORY)
        assert {c.kind for c in components} >= {"dependency", "model", "mcp_server", "agent_instructions"}
        assert {c.status for c in components} == {"approved", "pending"}
        assert {c.system_id for c in components} == {systems["Customer support chatbot"].id}
        accounts = {a.username: a.roles for a in AccountService(s).accounts()}
    assert accounts == {"admin": ["admin"], "maria": ["aims_manager"], "raj": ["contributor"],
                        "ana": ["auditor"], "vik": ["viewer"]}  # fmt: skip
    with database.session() as s, pytest.raises(ConflictError, match="already holds records"):
        load_demo(s, today=TODAY, evidence_dir=tmp_path / "evidence")


def test_same_today_gives_the_same_register(database: Database, tmp_path: Path, findings: list[Finding]) -> None:
    load(database, tmp_path, findings)
    with database.read() as s:
        export_register(s, tmp_path / "one", evidence_dir=tmp_path / "evidence")
    reset_database(database.url)
    load(database, tmp_path, findings)
    with database.read() as s:
        export_register(s, tmp_path / "two", evidence_dir=tmp_path / "evidence")

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_scale_adds_units_with_a_verifiable_chain(database: Database, tmp_path: Path) -> None:
    load(database, tmp_path, None, scale=3)
    with database.read() as s:
        report = history.verify(s)
        assert report.ok, report.problem
        systems = SystemService(s, "x").all()
        assert len(systems) == 3 + 2 * 5
        assert len(ComponentService(s, "x").all()) == 2 * 50
        bulk = history.events_for(s, "SYS-4")
        assert [e.action for e in bulk] == ["create", "update", "status:active"]
        assert SystemService(s, "x").get("SYS-4").version == 3
    # Ids continue after the bulk rows; services work on them like on any record.
    with database.session() as s:
        assert SystemService(s, "maria").create({"name": "Next"}).id == "SYS-14"
        system = SystemService(s, "maria").get("SYS-4")
        SystemService(s, "maria").update("SYS-4", system.version, {"description": "Edited"})
    with database.read() as s:
        assert history.verify(s).ok


def test_sample_approvals_are_made_by_the_people_the_story_names(database: Database, tmp_path: Path) -> None:
    load(database, tmp_path, None)
    with database.read() as s:
        rows = s.execute(select(HistoryEvent).where(HistoryEvent.action == "approve")).scalars()
        made = sorted(
            {(e.record_type, e.actor, history.parse_at(e.at).date() - TODAY) for e in rows}, key=lambda t: (t[2], t[0])
        )
    days = dt.timedelta
    assert made == [
        ("scope", "elena", days(-170)),
        ("management_review", "elena", days(-165)),
        ("document_version", "elena", days(-160)),
        ("document_version", "elena", days(-158)),
        ("risk", "maria", days(-150)),
        ("risk", "maria", days(-140)),
        ("treatment", "maria", days(-140)),
        ("impact_assessment", "lena", days(-115)),
        ("soa_version", "maria", days(-99)),
        ("security_review", "maria", days(-85)),
        ("change", "maria", days(-78)),
        ("corrective_action", "maria", days(-20)),
        ("management_review", "elena", days(-15)),
    ]


def test_sample_soa_assesses_all_38_controls_each_in_its_own_words_and_approves_on_a_seeded_register(
    database: Database, tmp_path: Path
) -> None:
    from openaims.register.annex_a import seed_annex_a
    from openaims.register.services import SoaService, SoaVersionService
    from openaims.register.services.soa_completeness import refusals, repeated_justifications

    with database.session() as s:  # as after 'aims init'
        seed_annex_a(s)
    load(database, tmp_path, None)
    with database.read() as s:
        rows = SoaService(s, "maria").all()
        versions = SoaVersionService(s, "maria")
        live = versions.live_rows()
        latest = versions.latest()
    assert len(rows) == 38
    assert "not_assessed" not in {r.status for r in rows}
    assert len({r.justification for r in rows}) == 38
    assert refusals(live) == []
    assert repeated_justifications(live) == []
    assert latest is not None
    assert latest.number == 1
    implemented = [r for r in live if r["status"] == "implemented"]
    assert all(r["evidence_ids"] or r["treatment_ids"] or r["links"] for r in implemented)
