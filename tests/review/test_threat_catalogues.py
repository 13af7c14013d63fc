"""The threat catalogues: the sources' ids and titles, Annex A controls that exist, mappings that resolve."""

from __future__ import annotations

from openaims.frameworks.loader import load_catalogue
from openaims.frameworks.threats import SIGNALS, load_threats
from openaims.redteam import mapped_threats


def _titles(catalogue: str) -> dict[str, str]:
    return {t.id: t.title for t in load_threats().threats if t.catalogue == catalogue}


def test_owasp_top_10_for_llm_applications_2025_ids_and_titles() -> None:
    assert _titles("owasp-llm") == {
        "LLM01:2025": "Prompt Injection",
        "LLM02:2025": "Sensitive Information Disclosure",
        "LLM03:2025": "Supply Chain",
        "LLM04:2025": "Data and Model Poisoning",
        "LLM05:2025": "Improper Output Handling",
        "LLM06:2025": "Excessive Agency",
        "LLM07:2025": "System Prompt Leakage",
        "LLM08:2025": "Vector and Embedding Weaknesses",
        "LLM09:2025": "Misinformation",
        "LLM10:2025": "Unbounded Consumption",
    }


def test_owasp_agentic_threat_taxonomy_t1_to_t15() -> None:
    titles = _titles("owasp-agentic")
    assert list(titles) == [f"T{n}" for n in range(1, 16)]
    assert titles["T2"] == "Tool Misuse"
    assert titles["T6"] == "Intent Breaking & Goal Manipulation"
    assert titles["T15"] == "Human Manipulation"


def test_atlas_subset_uses_atlas_technique_ids() -> None:
    titles = _titles("mitre-atlas")
    assert titles["AML.T0051"] == "LLM Prompt Injection"
    assert titles["AML.T0055"] == "Unsecured Credentials"
    assert all(key.startswith("AML.T") for key in titles)


def test_every_threat_has_mitigations_on_existing_annex_a_controls() -> None:
    annex_a = {c.id for c in load_catalogue().framework("iso42001").of_kind("control")}
    for threat in load_threats().threats:
        assert threat.controls, threat.key
        assert set(threat.controls) <= annex_a, threat.key
        assert set(threat.applies.all) | set(threat.applies.any) <= set(SIGNALS), threat.key


def test_cross_references_finding_rules_and_red_team_categories_name_catalogued_threats() -> None:
    threats = load_threats()
    keys = {t.key for t in threats.threats}
    assert {r for t in threats.threats for r in (*t.related, *t.see_also)} <= keys
    assert {rule.threat for rule in threats.finding_rules} <= keys
    assert mapped_threats() <= keys
    assert threats.get("owasp-llm:LLM01:2025").related == ("mitre-atlas:AML.T0051", "mitre-atlas:AML.T0054")
