"""The crosswalk: what an item relates to in the other frameworks, with sources."""

from __future__ import annotations

import pytest

from openaims.errors import NotFoundError, UsageError
from openaims.frameworks.loader import crosswalk, crosswalk_many, load_catalogue, resolve


def refs(item: str) -> set[str]:
    return {r.item.ref for r in crosswalk(item).related}


def test_a_nist_subcategory_reaches_42001_controls_and_ai_act_articles() -> None:
    result = crosswalk("MEASURE 2.3")
    assert result.item.ref == "nist-ai-rmf:MEASURE 2.3"
    assert refs("MEASURE 2.3") == {
        "iso42001:A.6.2.6", "iso42001:A.7.4", "eu-ai-act:Art.10", "eu-ai-act:Art.15", "eu-ai-act:Art.72",
    }  # fmt: skip
    via = {r.item.ref: r.via for r in result.related}
    assert via["eu-ai-act:Art.15"] == "iso42001:A.6.2.6"
    assert via["iso42001:A.7.4"] is None
    assert result.summary() == "MEASURE 2.3 relates to A.6.2.6, A.7.4, Art. 10, Art. 15, Art. 72"


def test_a_42001_control_lists_its_direct_rows_with_their_sources() -> None:
    result = crosswalk("A.6.2.4")
    by_ref = {r.item.ref: r for r in result.related}
    assert "nist-ai-rmf:MEASURE 2.1" in by_ref
    assert by_ref["nist-ai-rmf:MEASURE 2.1"].source == "CSA-XW-42001"
    assert by_ref["eu-ai-act:Art.15"].relation == "suggested"
    assert all(r.via is None for r in result.related)
    assert {r.item.framework for r in result.related} == {"nist-ai-rmf", "eu-ai-act"}


def test_article_spellings_resolve_to_the_same_item() -> None:
    cat = load_catalogue()
    for spelling in ("Art. 15", "Art.15", "art 15", "Article 15", "eu-ai-act:Art. 15"):
        assert resolve(cat, spelling).ref == "eu-ai-act:Art.15", spelling


def test_ai_act_paragraph_rows_land_on_the_article() -> None:
    notes = {r.item.ref: r.note for r in crosswalk("5.2").related}
    assert notes["eu-ai-act:Art.9"] is not None
    assert "9(2)(d)" in str(notes["eu-ai-act:Art.9"])


def test_bare_clause_ids_mean_42001_and_27001_clauses_map_by_number() -> None:
    assert crosswalk("6.1.2").item.ref == "iso42001:6.1.2"
    assert "iso27001:6.1.2" in refs("6.1.2")
    assert refs("iso27001:6.1.2") >= {"iso42001:6.1.2", "eu-ai-act:Art.9", "nist-ai-rmf:MAP 5.1"}
    assert "iso27001:6.1.4" not in {i.ref for i in load_catalogue().framework("iso27001").items.values()}


def test_unknown_ids_are_not_found_and_empty_ids_are_usage_errors() -> None:
    with pytest.raises(NotFoundError, match=r"no framework has an item 'A\.6\.10'"):
        crosswalk("A.6.10")
    with pytest.raises(NotFoundError, match=r"iso27001 has no item 'A\.5\.2'"):
        crosswalk("iso27001:A.5.2")
    with pytest.raises(UsageError):
        crosswalk("   ")


def test_every_control_and_subcategory_has_at_least_one_crosswalk_row() -> None:
    cat = load_catalogue()
    for kind, fw in (("control", "iso42001"), ("subcategory", "nist-ai-rmf")):
        for item in cat.framework(fw).of_kind(kind):  # type: ignore[arg-type]
            assert crosswalk(item.ref, catalogue=cat).related, item.ref


def test_several_items_together_such_as_the_controls_of_a_treatment() -> None:
    combined = crosswalk_many(["A.6.2.4", "A.7.4"])
    refs = {r.item.ref for r in combined.related}
    assert {"nist-ai-rmf:MEASURE 2.3", "eu-ai-act:Art.15", "eu-ai-act:Art.10"} <= refs
    assert "iso42001:A.7.4" not in refs
    assert combined.summary().startswith("A.6.2.4, A.7.4 relate to ")
    with pytest.raises(UsageError):
        crosswalk_many([])


# ---------------------------------------------------------------- rows judged wrong, corrected with their source


def test_map_4_1_no_longer_pairs_with_intended_use() -> None:
    assert "iso42001:A.9.4" not in refs("MAP 4.1")
    assert refs("MAP 4.1") >= {"iso42001:4.1", "iso42001:A.2.2", "iso42001:A.9.2"}
    (gone,) = load_catalogue().mappings["iso42001-nist-ai-rmf"].removed
    assert (gone.left, gone.right, gone.listed_by, gone.source) == (
        "iso42001:A.9.4", "nist-ai-rmf:MAP 4.1", "CSA-XW-42001", "OPENAIMS-REVIEW",
    )  # fmt: skip
    assert "intended use" in gone.reason


@pytest.mark.parametrize("clause", ["4.1", "5.2"])
def test_context_and_policy_are_not_a_full_match_for_art_9(clause: str) -> None:
    row = next(r for r in crosswalk("Art. 9").related if r.item.ref == f"iso42001:{clause}")
    assert (row.relation, row.source) == ("related", "OPENAIMS-REVIEW")
    stored = next(r for r in load_catalogue().rows() if (r.left, r.right) == (f"iso42001:{clause}", "eu-ai-act:Art.9"))
    assert stored.corrects == {"relation": "full (per source)", "source": "COMPEL"}
    assert all("full" not in r.relation for r in load_catalogue().rows())


@pytest.mark.parametrize(("clause", "relation"), [("5.2", "parallel"), ("6.1.1", "parallel"), ("7.2", "same")])
def test_27001_policy_and_risk_clauses_are_parallel_not_the_same(clause: str, relation: str) -> None:
    row = next(r for r in crosswalk(clause).related if r.item.ref == f"iso27001:{clause}")
    assert row.relation == relation
    if relation == "parallel":
        assert row.source == "ISO-HS-FACTS"
