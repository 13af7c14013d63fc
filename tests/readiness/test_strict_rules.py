"""Readiness rules as strict as an auditor: each rule made stricter is met by a register that
holds what the clause or control requires, and not met (with a reason naming what is missing)
when that record is taken away or replaced by something unrelated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from tests.readiness.kit import ADMIN, TODAY, approve, approved_document, approved_version, days

from openaims.readiness.engine import evaluate
from openaims.readiness.model import SCORE_BASIS, ItemResult, Report, Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.errors import RuleViolationError
from openaims.register.models.documents import DocumentVersion
from openaims.register.services import (
    CommunicationService,
    ComponentService,
    DocumentService,
    DocumentVersionService,
    EvidenceService,
    RiskMethodService,
    RiskService,
    RoleService,
    ScopeService,
    SoaService,
    SystemService,
    TreatmentService,
)

Ready = tuple[Database, dict[str, Any]]


def report(database: Database) -> Report:
    with database.read() as session:
        return evaluate(load_snapshot(session, ADMIN, today=TODAY))


def item(database: Database, item_id: str) -> ItemResult:
    return report(database).item(item_id)


def met(database: Database, item_id: str) -> None:
    found = item(database, item_id)
    assert found.status is Status.MET, found.reasons


def evidence(session: Session, tmp_path: Path) -> EvidenceService:
    return EvidenceService(session, ADMIN, evidence_dir=tmp_path / "evidence")


def withdraw_evidence(database: Database, tmp_path: Path, words: str) -> None:
    with database.session() as session:
        store = evidence(session, tmp_path)
        for record in store.all():
            if words in record.title:
                store.transition(record.id, record.version, "withdrawn")


# ---------------------------------------------------------------- A.2.2 and unrelated evidence


def test_attaching_an_unrelated_file_does_not_make_a_2_2_met(ready: Ready, tmp_path: Path) -> None:
    database, _ = ready
    met(database, "A.2.2")
    with database.session() as session:  # the AI policy is withdrawn: A.2.2 is no longer met
        docs = DocumentService(session, ADMIN)
        policy = next(d for d in docs.all() if d.title == "AI policy")
        docs.transition(policy.id, policy.version, "obsolete")
    before = item(database, "A.2.2")
    assert before.status is Status.PARTIAL
    assert "no AI policy in the document register" in before.reasons
    sarif = tmp_path / "aims-check.sarif"
    sarif.write_text(json.dumps({"version": "2.1.0", "runs": []}))
    with database.session() as session:
        scan = evidence(session, tmp_path).add_file(sarif, title="aims check results", record_ids=["SOA-A.2.2"])
        soa = SoaService(session, ADMIN)
        row = soa.get("SOA-A.2.2")
        soa.update(row.id, row.version, {"evidence_ids": [*row.evidence_ids, scan.id]})
    after = item(database, "A.2.2")
    assert after.status is Status.PARTIAL
    assert scan.id not in after.links
    assert (
        f"{scan.id} linked to SOA-A.2.2 but not to any record that proves A.2.2, so not counted" in (after.reasons[0])
    )


def test_evidence_attached_to_the_proving_record_is_listed_as_proof(ready: Ready, tmp_path: Path) -> None:
    database, _ = ready
    with database.session() as session:
        policy = next(d for d in DocumentService(session, ADMIN).all() if d.title == "AI policy")
        minutes = evidence(session, tmp_path).create(
            {"title": "Board minutes approving the AI policy", "kind": "link", "url": "https://example.com/m",
             "record_ids": [policy.id]}
        )  # fmt: skip
        soa = SoaService(session, ADMIN)
        row = soa.get("SOA-A.2.2")
        soa.update(row.id, row.version, {"evidence_ids": [minutes.id]})
    found = item(database, "A.2.2")
    assert found.status is Status.MET
    assert minutes.id in found.links


# ---------------------------------------------------------------- clauses


def test_4_3_scope_needs_boundaries_and_the_role_for_each_system(ready: Ready) -> None:
    database, ids = ready
    met(database, "4.3")
    with database.session() as session:
        scope = ScopeService(session, ADMIN).create(
            {"title": "AIMS scope v2", "statement": "All lending AI", "included_system_ids": [ids["system"]]}
        )
        approve(session, ScopeService, scope, TODAY)
    found = item(database, "4.3")
    assert found.status is Status.PARTIAL
    assert found.reasons[0] == (
        "scope SCOPE-2 is approved but it names no organisational units or locations (its boundaries); "
        f"it does not say the organisation's role (provider, deployer...) for {ids['system']}"
    )


def test_5_2_the_policy_must_be_communicated(ready: Ready) -> None:
    database, _ = ready
    met(database, "5.2")
    with database.session() as session:
        comms = CommunicationService(session, ADMIN)
        for record in comms.all():
            comms.transition(record.id, record.version, "retired")
    found = item(database, "5.2")
    assert found.status is Status.PARTIAL
    assert found.reasons[1] == "no record shows this: the AI policy communicated within the organisation"


def test_6_1_3_residual_risk_must_be_accepted_once_treated(ready: Ready) -> None:
    database, ids = ready
    met(database, "6.1.3")
    with database.session() as session:
        risks = RiskService(session, ADMIN)
        method = RiskMethodService(session, ADMIN).default()
        risk = risks.create({"title": "Model theft", "system_ids": [ids["system"]], "method_id": method.id,
                             "inherent_likelihood": 4, "inherent_impact": 4}, status="assessed")  # fmt: skip
        treatment = TreatmentService(session, ADMIN).create(
            {"risk_id": risk.id, "description": "Encrypt weights", "owner": "carol", "control_ids": ["A.6.2.4"]},
            status="implemented",
        )
        approve(session, TreatmentService, treatment, days(-5))
        risk = risks.update(
            risk.id, risk.version, {"status": "treated", "residual_likelihood": 2, "residual_impact": 3}
        )
    found = item(database, "6.1.3")
    assert found.status is Status.PARTIAL
    assert (
        f"residual risks accepted for some, but not {risk.id} (rated {risk.residual_rating}, residual risk not accepted)"
        in (found.reasons)
    )
    with database.session() as session:
        risks = RiskService(session, ADMIN)
        risks.update(risk.id, risks.get(risk.id).version, {"status": "accepted"})
    met(database, "6.1.3")


def test_7_2_each_role_needs_its_competence_defined(ready: Ready) -> None:
    database, ids = ready
    met(database, "7.2")
    with database.session() as session:
        role = RoleService(session, ADMIN).create(
            {"name": "Model validator", "responsibilities": "Validates models", "holder_ids": [ids["carol"]]}
        )
    found = item(database, "7.2")
    assert found.status is Status.PARTIAL
    assert found.reasons == [
        "roles whose holders show the competence each role requires for some, but not "
        f"{role.id} (Model validator: no competence requirement defined)"
    ]


def test_7_5_1_every_required_documented_information_item(ready: Ready) -> None:
    database, _ = ready
    met(database, "7.5.1")
    with database.session() as session:
        docs = DocumentService(session, ADMIN)
        aims = next(d for d in docs.all() if d.title == "AI management system description")
        docs.transition(aims.id, aims.version, "obsolete")
    found = item(database, "7.5.1")
    assert found.status is Status.PARTIAL
    assert found.reasons[0].startswith("21 of 22 required documented-information items kept; not: 4.4 ")


def test_7_5_2_a_document_approved_by_its_own_author(ready: Ready) -> None:
    database, _ = ready
    met(database, "7.5.2")
    with database.session() as session:
        doc = DocumentService(session, ADMIN).create({"title": "Model release checklist", "kind": "procedure"})
        versions = DocumentVersionService(session, Actor("alice"))
        version = versions.create({"document_id": doc.id, "content": "Steps"})
        version = versions.transition(version.id, version.version, "in_review")
        with pytest.raises(RuleViolationError, match=r"separation of duties \(author is not approver\)"):
            versions.approve_record(version.id, version.version, {"next_review": days(300)})
        version = approved_version(session, doc.id, "Steps")
        # A register from before separation of duties was enforced: its author approved it.
        session.execute(update(DocumentVersion).where(DocumentVersion.id == version.id).values(approver="alice"))
    found = item(database, "7.5.2")
    assert found.status is Status.PARTIAL
    assert found.reasons == [
        f"documents under control for some, but not {doc.id} (no owner, approved by its own author)"
    ]


def test_7_5_3_revisions_say_what_changed(ready: Ready) -> None:
    database, _ = ready
    met(database, "7.5.3")
    with database.session() as session:
        doc_id = approved_document(session, "procedure", "Model release checklist")
        approved_version(session, doc_id, "Steps v2")
    found = item(database, "7.5.3")
    assert found.status is Status.PARTIAL
    assert (
        found.reasons[0] == f"documents under control for some, but not {doc_id} (version 2 without a change summary)"
    )


# ---------------------------------------------------------------- Annex A


def test_a_4_2_resources_not_a_default_life_cycle_stage(ready: Ready) -> None:
    database, ids = ready
    met(database, "A.4.2")
    with database.session() as session:
        new = SystemService(session, ADMIN).create({"name": "Fraud alerts", "owner": "alice"})
    assert new.lifecycle_stage == "inception"  # the default: says nothing about resources
    with database.read() as session:
        scope_systems = load_snapshot(session, ADMIN, today=TODAY).in_scope_systems()
    assert new.id not in {s.id for s in scope_systems}  # the approved scope still holds one system
    with database.session() as session:
        scopes = ScopeService(session, ADMIN)
        old = scopes.current()
        assert old is not None
        scope = scopes.create({**old.model_dump(include={"title", "statement", "units"}),
                               "included_system_ids": [ids["system"], new.id],
                               "system_roles": {ids["system"]: ["provider"], new.id: ["deployer"]}})  # fmt: skip
        approve(session, ScopeService, scope, TODAY)
    found = item(database, "A.4.2")
    assert found.status is Status.PARTIAL
    assert found.reasons[1] == (
        "AI systems with their data, tooling, computing and human resources documented for some, but not "
        f"{new.id} (no dataset, no tooling component, no description of its computing resources, "
        "no owner and human oversight)"
    )


def test_a_4_2_tooling_comes_from_components_recorded_for_the_system(ready: Ready) -> None:
    database, ids = ready
    with database.session() as session:
        components = ComponentService(session, ADMIN)
        for component in components.all():
            components.update(component.id, component.version, {"system_id": None, "repository": "elsewhere"})
    found = item(database, "A.4.2")
    assert found.status is Status.PARTIAL
    assert found.reasons[1].endswith(f"{ids['system']} (no tooling component)")


def test_a_6_2_4_needs_vv_results_for_each_system_not_any_evidence(ready: Ready, tmp_path: Path) -> None:
    database, ids = ready
    met(database, "A.6.2.4")
    withdraw_evidence(database, tmp_path, "Validation report")
    withdraw_evidence(database, tmp_path, "promptfoo results")  # red-team results are V&V results too
    with database.session() as session:  # any other evidence, even on the system, proves no V&V
        evidence(session, tmp_path).create(
            {"title": "Architecture diagram", "kind": "link", "url": "https://example.com/a",
             "record_ids": [ids["system"]]}
        )  # fmt: skip
    found = item(database, "A.6.2.4")
    assert found.status is Status.PARTIAL
    assert found.reasons[2] == "no in-scope AI system has verification and validation results"


def test_a_6_2_4_needs_documented_vv_criteria(ready: Ready) -> None:
    database, _ = ready
    with database.session() as session:
        docs = DocumentService(session, ADMIN)
        vv = next(d for d in docs.all() if "verification" in d.title)
        docs.transition(vv.id, vv.version, "obsolete")
    found = item(database, "A.6.2.4")
    assert found.status is Status.PARTIAL
    assert found.reasons[1] == "no verification and validation measures and criteria in the document register"


def test_a_6_2_7_technical_documentation_is_not_the_ai_policy(ready: Ready, tmp_path: Path) -> None:
    database, _ = ready
    met(database, "A.6.2.7")
    withdraw_evidence(database, tmp_path, "model card")
    found = item(database, "A.6.2.7")
    assert found.status is Status.PARTIAL
    assert found.reasons[1] == "no in-scope AI system has technical documentation"
    with database.read() as session:
        policy = next(d for d in DocumentService(session, ADMIN).all() if d.title == "AI policy")
    assert policy.id not in found.links


def test_a_6_2_8_a_repository_is_not_an_event_log(ready: Ready, tmp_path: Path) -> None:
    database, ids = ready
    met(database, "A.6.2.8")
    withdraw_evidence(database, tmp_path, "event logging")
    with database.read() as session:
        assert SystemService(session, ADMIN).get(ids["system"]).repositories  # still has its repository
    found = item(database, "A.6.2.8")
    assert found.status is Status.PARTIAL
    assert found.reasons[1].startswith("no in-scope AI system has a record of its event logging")


# ---------------------------------------------------------------- the score


def test_the_score_says_how_it_is_weighted(ready: Ready) -> None:
    database, _ = ready
    data = report(database).to_dict()
    assert data["score"] == 100.0
    assert data["score_basis"] == SCORE_BASIS
    assert "planned or not started is missing" in SCORE_BASIS


# ---------------------------------------------------------------- the EU AI Act view


def eu(database: Database) -> Report:
    with database.read() as session:
        return evaluate(load_snapshot(session, ADMIN, today=TODAY), view="eu-ai-act")


def test_eu_view_art_18_and_20_are_not_met_from_iso_clauses_alone(ready: Ready) -> None:
    database, _ = ready
    view = eu(database)
    art18, art20 = view.item("Art.18"), view.item("Art.20")
    assert view.item("Art.17").status is Status.PARTIAL  # included, with the QMS its own check asks for
    assert art18.status is Status.PARTIAL
    assert art18.reasons[0].startswith("no rule keeping technical documentation")
    assert all(c.status is Status.MET for c in art18.checks if c.check.startswith("iso42001:"))
    assert art20.status is Status.PARTIAL
    with database.session() as session:
        for title, text in (
            (
                "Documentation retention rule",
                "Technical documentation is kept for ten years after placing on the market.",
            ),
            (
                "Corrective actions and recall procedure",
                "We withdraw or recall and inform the market surveillance authority.",
            ),
            ("Quality management system", "Art. 17(1)(a)-(m) elements."),
        ):
            doc = DocumentService(session, ADMIN).create({"title": title, "kind": "procedure", "owner": "alice"})
            approved_version(session, doc.id, text)
    view = eu(database)
    assert (view.item("Art.17").status, view.item("Art.18").status, view.item("Art.20").status) == (
        Status.MET, Status.MET, Status.MET,
    )  # fmt: skip


def test_eu_view_caps_articles_only_conceptually_related_to_iso(ready: Ready) -> None:
    database, _ = ready
    view = eu(database)
    art9 = view.item("Art.9")
    assert art9.status is Status.PARTIAL
    assert "gives no presumption of conformity" in art9.reasons[0]
    assert view.item("Art.12").status is Status.MET  # A.6.2.8 overlaps Art. 12 (logging)


def test_eu_view_classification_is_an_art_6_finding_not_4_1(ready: Ready) -> None:
    database, ids = ready
    assert eu(database).item("Art.6").status is Status.MET
    with database.session() as session:
        systems = SystemService(session, ADMIN)
        system = systems.get(ids["system"])
        systems.update(system.id, system.version, {"purpose": "Set credit limits"})
    art6 = eu(database).item("Art.6")
    assert art6.status is Status.MISSING
    assert art6.reasons[0].startswith(f"the purpose of {ids['system']} changed since it was classified")
    assert item(database, "4.1").status is Status.MET


def test_eu_view_articles_no_classification_puts_on_you_are_not_applicable(ready: Ready) -> None:
    database, ids = ready
    art27 = eu(database).item("Art.27")  # a fundamental rights impact assessment binds deployers only
    assert art27.status is Status.NOT_APPLICABLE
    assert art27.reasons == [
        f"no stored EU AI Act classification of an in-scope AI system puts Art. 27 on you ({ids['system']} high)"
    ]


def test_4_1_needs_the_role_and_purpose_of_each_system(ready: Ready) -> None:
    database, ids = ready
    met(database, "4.1")
    with database.session() as session:
        systems = SystemService(session, ADMIN)
        system = systems.get(ids["system"])
        systems.update(system.id, system.version, {"organisation_roles": []})
    found = item(database, "4.1")
    assert found.status is Status.PARTIAL
    assert found.reasons[1] == "no in-scope AI system records the organisation's role towards each AI system"


def test_eu_view_art_5_a_prohibited_system_is_not_met(ready: Ready) -> None:
    database, ids = ready
    assert eu(database).item("Art.5").status is Status.MET
    with database.session() as session:
        systems = SystemService(session, ADMIN)
        system = systems.get(ids["system"])
        systems.update(system.id, system.version, {"risk_tier": "prohibited"})
    art5 = eu(database).item("Art.5")
    assert art5.status is Status.MISSING
    assert art5.reasons[0].startswith(f"{ids['system']} classified as a prohibited practice")
