"""CycloneDX ML-BOM model cards gain what the register knows of a model (intended use, limitations, ethical
considerations, owner) when the scan is recorded in a register; the documents stay valid in JSON and XML."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree
from tests.support.cli import run

from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.model_cards import model_contexts
from openaims.register.services import ComponentService, SystemService

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-monorepo"
NS = {"c": "http://cyclonedx.org/schema/bom/1.6"}


@pytest.fixture
def sample(sample_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """The sample register in personal mode and a copy of the sample repository under its register name."""
    target = tmp_path / "aims.db"
    shutil.copyfile(sample_file, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("AIMS_DATABASE_URL", url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    repository = tmp_path / "sample-monorepo"
    shutil.copytree(SAMPLE, repository)
    return url, repository


def test_the_register_knows_the_chatbots_models(sample: tuple[str, Path]) -> None:
    db = Database(sample[0])
    try:
        with db.read() as session:
            contexts = model_contexts(session, Actor("maria"), "sample-monorepo")
    finally:
        db.dispose()
    gpt = contexts["gpt-4o"]
    assert gpt.system.endswith("Customer support chatbot")
    assert (gpt.owner, gpt.intended_use) == ("raj", "Existing customers asking about their loan, payments and documents.")
    assert gpt.limitations[0].startswith("Not for: Seeking financial or legal advice")
    assert "Data Support tickets 2023-2025: Mostly English and Spanish" in gpt.limitations
    assert contexts.keys() >= {"gpt-4o", "claude-sonnet-4-5", "gpt-4o-mini"}
    db = Database(sample[0])
    try:
        with db.read() as session:
            assert model_contexts(session, Actor("maria"), "elsewhere") == {}
    finally:
        db.dispose()


def test_a_model_of_a_system_with_an_approved_impact_assessment_carries_its_ethical_considerations(
    sample: tuple[str, Path],
) -> None:
    db = Database(sample[0])
    try:
        with db.session() as session:
            scoring = next(s for s in SystemService(session, Actor("maria")).all() if s.name == "Credit scoring model")
            ComponentService(session, Actor("maria")).sync("credit-repo", [
                {"kind": "model", "name": "scorecard-v3", "provider": "internal", "fingerprint": "model:scorecard-v3"},
            ], system_id=scoring.id)  # fmt: skip
        with db.read() as session:
            context = model_contexts(session, Actor("maria"), "credit-repo")["scorecard-v3"]
    finally:
        db.dispose()
    names = [name for name, _ in context.ethical]
    assert any(n.startswith("Applicants under 25 and thin-file applicants (vulnerable): ") for n in names)
    assert all(how for _, how in context.ethical)  # every harm has its measures as the mitigation
    assert context.owner == "sam"
    assert any("Under-representation of applicants under 25" in t for t in context.limitations)


def test_a_scan_recorded_in_the_register_writes_model_cards_with_the_register_content(
    sample: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, repository = sample
    bom_json, bom_xml = tmp_path / "bom.json", tmp_path / "bom.xml"
    code, _, err = run(capsys, "scan", str(repository), "--register", "--format", "cyclonedx", "-o", str(bom_json))
    assert code == 0, err
    code, _, err = run(capsys, "scan", str(repository), "--register", "--format", "cyclonedx-xml", "-o", str(bom_xml))
    assert code == 0, err
    document = json.loads(bom_json.read_text("utf-8"))
    gpt = next(c for c in document["components"] if c["name"] == "gpt-4o")
    considerations = gpt["modelCard"]["considerations"]
    assert considerations["useCases"] == ["Existing customers asking about their loan, payments and documents."]
    assert any(t.startswith("Not for: Seeking financial or legal advice") for t in considerations["technicalLimitations"])
    properties = {p["name"]: p["value"] for p in gpt["modelCard"]["properties"]}
    assert properties["openaims:owner"] == "raj"
    assert properties["openaims:system"].endswith("Customer support chatbot")
    tree = etree.parse(str(bom_xml))
    uses = tree.xpath("//c:component[c:name='gpt-4o']/c:modelCard/c:considerations/c:useCases/c:useCase/text()",
                      namespaces=NS)  # fmt: skip
    assert uses == ["Existing customers asking about their loan, payments and documents."]


def test_without_the_register_model_cards_are_as_before(
    sample: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, repository = sample
    bom_json = tmp_path / "bom.json"
    code, _, err = run(capsys, "scan", str(repository), "--format", "cyclonedx", "-o", str(bom_json))
    assert code == 0, err
    gpt = next(c for c in json.loads(bom_json.read_text("utf-8"))["components"] if c["name"] == "gpt-4o")
    assert "considerations" not in gpt["modelCard"]
    assert "openaims:owner" not in {p["name"] for p in gpt["modelCard"]["properties"]}
