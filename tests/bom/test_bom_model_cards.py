"""Model cards with what a register knows of the model: considerations and owner, valid in every
supported CycloneDX version and serialisation (render_cyclonedx validates against the official schema)."""

from __future__ import annotations

import json

import pytest
from defusedxml import ElementTree
from tests.bom.bom_sample import sample_findings

from openaims.bom.cyclonedx import render_cyclonedx
from openaims.bom.interface import CYCLONEDX_VERSIONS, ModelContext

CONTEXT = ModelContext(
    system="SYS-1 Support bot",
    owner="raj",
    intended_use="Customers asking about their loan",
    limitations=("Not for: legal advice", "Data Tickets: mostly English"),
    ethical=(("Customers (vulnerable): wrong answers about arrears", "Agent handover"), ("Staff: deskilling", None)),
)


@pytest.mark.parametrize("version", CYCLONEDX_VERSIONS)
def test_considerations_and_owner_in_json(version: str) -> None:
    doc = json.loads(render_cyclonedx(sample_findings(), root_name="t", spec_version=version,
                                      models={"gpt-4o": CONTEXT}))  # fmt: skip
    cards = {c["name"]: c.get("modelCard", {}) for c in doc["components"]}
    assert cards["gpt-4o"]["considerations"] == {
        "useCases": ["Customers asking about their loan"],
        "technicalLimitations": ["Not for: legal advice", "Data Tickets: mostly English"],
        "ethicalConsiderations": [
            {"name": "Customers (vulnerable): wrong answers about arrears", "mitigationStrategy": "Agent handover"},
            {"name": "Staff: deskilling"},
        ],
    }
    properties = {p["name"]: p["value"] for p in cards["gpt-4o"]["properties"]}
    assert (properties["openaims:owner"], properties["openaims:system"]) == ("raj", "SYS-1 Support bot")
    assert "considerations" not in cards["claude-sonnet-4-5"]


@pytest.mark.parametrize("version", CYCLONEDX_VERSIONS)
def test_considerations_in_xml(version: str) -> None:
    text = render_cyclonedx(sample_findings(), root_name="t", spec_version=version, fmt="xml",
                            models={"gpt-4o": CONTEXT})  # fmt: skip
    ns = {"c": f"http://cyclonedx.org/schema/bom/{version}"}
    root = ElementTree.fromstring(text)
    card = next(c for c in root.iterfind(".//c:component", ns) if c.findtext("c:name", namespaces=ns) == "gpt-4o")
    held = card.find("c:modelCard/c:considerations", ns)
    assert held is not None
    assert [e.text for e in held.iterfind("c:technicalLimitations/c:technicalLimitation", ns)] == [
        "Not for: legal advice", "Data Tickets: mostly English"]
    mitigations = [e.findtext("c:mitigationStrategy", namespaces=ns)
                   for e in held.iterfind("c:ethicalConsiderations/c:ethicalConsideration", ns)]  # fmt: skip
    assert mitigations == ["Agent handover", None]
