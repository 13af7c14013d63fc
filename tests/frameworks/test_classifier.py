"""EU AI Act classification: every tier, every Annex III area, the Art. 6(3) exceptions and the
profiling override, Art. 50, general-purpose models, roles and Omnibus-aware dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.frameworks.kit import answers

from openaims.frameworks.euaiact.classifier import Classification, Obligation, classify
from openaims.frameworks.euaiact.questionnaire import load_questionnaire
from openaims.frameworks.loader import load_catalogue

TODAY = dt.date(2026, 11, 23)
ALL_POINTS = sorted(
    i.id
    for i in load_catalogue().framework("eu-ai-act").items.values()
    if i.kind == "annex_iii_point" or i.id == "AnnexIII.2"
)
PROVIDER_HIGH_RISK = {
    "Art.4", "Art.6", "Art.9", "Art.10", "Art.11", "Art.12", "Art.13", "Art.14", "Art.15", "Art.16", "Art.17",
    "Art.18", "Art.19", "Art.20", "Art.25", "Art.43", "Art.47", "Art.48", "Art.49", "Art.72", "Art.73",
}  # fmt: skip


def run(today: dt.date = TODAY, /, **changes: Any) -> Classification:
    return classify(answers(**changes), today=today)


def ob(result: Classification, article: str) -> Obligation:
    return {o.article: o for o in result.obligations}[article]


def cited(result: Classification) -> set[str]:
    return {r.article for r in result.reasons}


def annex_iii(*points: str, profiling: bool = False, exceptions: Any = "none", **more: Any) -> Classification:
    return run(**{"annex_iii.points": list(points), "annex_iii.profiling": profiling,
                  "annex_iii.exceptions": exceptions, **more})  # fmt: skip


# ---------------------------------------------------------------- tiers


def test_nothing_selected_is_minimal_risk_with_ai_literacy() -> None:
    result = run()
    assert result.tiers == ("minimal",)
    assert result.register_tier == "minimal"
    assert set(result.articles) == {"Art.4", "Art.95"}
    assert ob(result, "Art.4").applies_from == dt.date(2025, 2, 2)
    assert ob(result, "Art.4").in_application
    assert {"Art. 95", "Art. 4", "Art. 3(3)"} <= cited(result)


@pytest.mark.parametrize("practice", [f"Art.5(1)({p})" for p in "abcdefgh"])
def test_each_article_5_practice_is_prohibited(practice: str) -> None:
    result = run(**{"prohibited.practices": [practice], "prohibited.crime_prediction_supports_human": False,
                    "prohibited.emotion_medical_or_safety": False, "prohibited.rbi_authorised_objective": False})  # fmt: skip
    assert result.tiers == ("prohibited",)
    assert result.register_tier == "prohibited"
    assert result.prohibited_practices == (practice,)
    art5 = ob(result, "Art.5")
    assert (art5.applies_from, art5.basis, art5.in_application) == (dt.date(2025, 2, 2), "Art. 113(a)", True)
    assert art5.paragraphs == (practice.removeprefix("Art."),)
    assert "Art.99" in result.articles
    assert "Art. 5" in {r.article[:6] for r in result.reasons}


def test_the_omnibus_ban_applies_from_december_2026() -> None:
    before = run(dt.date(2026, 11, 1), **{"prohibited.practices": ["Art.5-omnibus-ncii"]})
    assert before.tiers == ("prohibited",)
    assert before.prohibited_practices == ("Art.5(1)(i)", "Art.5(1)(j)")  # the earlier combined id reads as both
    art5 = ob(before, "Art.5")
    assert art5.applies_from == dt.date(2026, 12, 2)
    assert art5.date_status == "adopted"
    assert "Digital Omnibus" in art5.basis
    assert not art5.in_application
    assert ob(run(dt.date(2026, 12, 2), **{"prohibited.practices": ["Art.5-omnibus-ncii"]}), "Art.5").in_application


@pytest.mark.parametrize(
    ("practice", "follow_up", "point"),
    [
        ("Art.5(1)(d)", "prohibited.crime_prediction_supports_human", "AnnexIII.6(d)"),
        ("Art.5(1)(f)", "prohibited.emotion_medical_or_safety", "AnnexIII.1(c)"),
        ("Art.5(1)(h)", "prohibited.rbi_authorised_objective", "AnnexIII.1(a)"),
    ],
)
def test_article_5_carve_outs_become_high_risk(practice: str, follow_up: str, point: str) -> None:
    result = run(**{"prohibited.practices": [practice], follow_up: True})
    assert result.tiers == ("high",)
    assert result.prohibited_practices == ()
    assert result.annex_iii_points == (point,)


@pytest.mark.parametrize("point", ALL_POINTS)
def test_every_annex_iii_point_is_high_risk_without_an_exception(point: str) -> None:
    result = annex_iii(point)
    assert result.tiers == ("high",)
    assert result.high_risk_routes == ("annex_iii",)
    assert set(result.articles) == PROVIDER_HIGH_RISK
    art9 = ob(result, "Art.9")
    assert art9.applies_from == dt.date(2027, 12, 2)
    assert art9.original_date == dt.date(2026, 8, 2)
    assert "Art. 6(2)" in cited(result)


def test_all_eight_annex_iii_areas_are_offered() -> None:
    assert {p.split("(")[0] for p in ALL_POINTS} == {f"AnnexIII.{n}" for n in range(1, 9)}


@pytest.mark.parametrize("exception", ["Art.6(3)(a)", "Art.6(3)(b)", "Art.6(3)(c)", "Art.6(3)(d)"])
def test_each_art_6_3_exception_takes_the_system_out_of_high_risk(exception: str) -> None:
    result = annex_iii("AnnexIII.4(a)", exceptions=[exception])
    assert result.tiers == ("annex-iii-exception",)  # stored as such, not as plain minimal
    assert result.register_tier == "annex-iii-exception"
    assert result.art6_3_exceptions == (exception,)
    assert ob(result, "Art.6").paragraphs == ("6(4)",)
    assert ob(result, "Art.49").paragraphs == ("49(2)",)
    assert "Art.9" not in result.articles
    assert {"Art. 6(3)", "Art. 6(4)", "Art. 49(2)"} <= cited(result)
    title = load_catalogue().framework("eu-ai-act").get(exception).title.lower()
    assert any(title in r.text for r in result.reasons)


def test_profiling_overrides_every_exception() -> None:
    result = annex_iii("AnnexIII.4(b)", profiling=True, exceptions=["Art.6(3)(a)"])
    assert result.tiers == ("high",)
    assert result.art6_3_exceptions == ()
    assert "annex_iii.exceptions" not in result.answers  # not asked when profiling
    assert any("profiles natural persons" in r.text and r.article == "Art. 6(3)" for r in result.reasons)


def test_annex_i_product_needing_third_party_assessment_is_high_risk_from_2028() -> None:
    result = run(**{"annex_i.legislation": ["AnnexI.A.11"], "annex_i.third_party_assessment": True,
                    "role.product_manufacturer": False})  # fmt: skip
    assert result.high_risk_routes == ("annex_i",)
    art9 = ob(result, "Art.9")
    assert (art9.applies_from, art9.original_date) == (dt.date(2028, 8, 2), dt.date(2027, 8, 2))
    assert "Art. 113(c) as amended by the Digital Omnibus" in art9.basis
    assert "Medical devices" in next(r.text for r in result.reasons if r.article == "Art. 6(1)")


def test_annex_i_product_without_third_party_assessment_is_not_high_risk() -> None:
    result = run(**{"annex_i.legislation": ["AnnexI.A.2"], "annex_i.third_party_assessment": False,
                    "role.product_manufacturer": False})  # fmt: skip
    assert result.tiers == ("minimal",)
    assert "Art. 6(1)" in cited(result)


@pytest.mark.parametrize(
    ("question", "case", "role"),
    [
        ("transparency.interacts_with_people", "Art.50(1)", "provider"),
        ("transparency.emotion_or_biometric_categorisation", "Art.50(3)", "deployer"),
        ("transparency.deep_fake", "Art.50(4)", "deployer"),
    ],
)
def test_each_art_50_case_gives_transparency_duties(question: str, case: str, role: str) -> None:
    result = run(**{question: True, f"role.{role}": True})
    assert result.tiers == ("limited",)
    assert result.register_tier == "limited"
    assert result.transparency_cases == (case,)
    art50 = ob(result, "Art.50")
    assert (art50.applies_from, art50.paragraphs, art50.roles) == (dt.date(2026, 8, 2), (case[4:],), (role,))
    assert case.replace("Art.", "Art. ") in cited(result)


def test_synthetic_content_marking_and_the_omnibus_grace_for_systems_already_on_the_market() -> None:
    new = run(**{"transparency.synthetic_content": True, "transparency.on_market_before_2026_08_02": False,
                 "transparency.public_interest_text": False})  # fmt: skip
    assert ob(new, "Art.50").applies_from == dt.date(2026, 8, 2)
    old = run(dt.date(2026, 9, 1), **{"transparency.synthetic_content": True,
              "transparency.on_market_before_2026_08_02": True, "transparency.public_interest_text": False})  # fmt: skip
    art50 = ob(old, "Art.50")
    assert (art50.applies_from, art50.date_status, art50.in_application) == (
        dt.date(2026, 12, 2),
        "adopted",
        False,
    )


def test_public_interest_text_is_an_art_50_4_case() -> None:
    result = run(**{"transparency.synthetic_content": True, "transparency.on_market_before_2026_08_02": False,
                    "transparency.public_interest_text": True, "role.deployer": True})  # fmt: skip
    assert result.transparency_cases == ("Art.50(2)", "Art.50(4)")


def test_high_risk_and_transparency_together() -> None:
    result = annex_iii("AnnexIII.4(a)", profiling=True, **{"transparency.interacts_with_people": True})
    assert result.tiers == ("high", "limited")
    assert result.register_tier == "high"


# ---------------------------------------------------------------- general-purpose models


def model(**changes: Any) -> Classification:
    raw = {"subject": "gpai_model", "role.provider": True, "gpai.designated_systemic": False,
           "gpai.open_source": False, "gpai.on_market_before_2025_08_02": False, **changes}  # fmt: skip
    return classify(raw, today=TODAY)


def test_a_general_purpose_model_below_the_threshold_has_article_53_duties() -> None:
    result = model(**{"gpai.training_flop": 3e24})
    assert result.tiers == ("gpai",)
    assert set(result.articles) == {"Art.53"}
    assert ob(result, "Art.53").applies_from == dt.date(2025, 8, 2)
    assert any(r.article == "Art. 51(2)" and "not above" in r.text for r in result.reasons)


def test_above_10_25_flop_the_model_has_systemic_risk() -> None:
    result = model(**{"gpai.training_flop": 2e25})
    assert result.tiers == ("gpai-systemic", "gpai")
    assert {"Art.51", "Art.52", "Art.53", "Art.55"} == set(result.articles)
    assert "Art. 55" in cited(result)


def test_exactly_at_the_threshold_is_not_above_it() -> None:
    assert model(**{"gpai.training_flop": 1e25}).tiers == ("gpai",)


def test_designation_gives_systemic_risk_without_compute() -> None:
    result = model(**{"gpai.designated_systemic": True})
    assert "gpai-systemic" in result.tiers
    assert "Art. 51(1)(b)" in cited(result)


def test_open_source_models_keep_only_copyright_and_summary_duties_unless_systemic() -> None:
    open_small = model(**{"gpai.open_source": True})
    assert ob(open_small, "Art.53").paragraphs == ("53(1)(c)", "53(1)(d)")
    open_big = model(**{"gpai.open_source": True, "gpai.training_flop": 5e25})
    assert ob(open_big, "Art.53").paragraphs == ()


def test_models_already_on_the_market_have_until_2027() -> None:
    result = model(**{"gpai.on_market_before_2025_08_02": True})
    art53 = ob(result, "Art.53")
    assert (art53.applies_from, art53.basis) == (dt.date(2027, 8, 2), "Art. 111(3)")


# ---------------------------------------------------------------- roles


def test_deployer_of_a_credit_scoring_system_owes_a_fundamental_rights_assessment() -> None:
    result = annex_iii("AnnexIII.5(b)", profiling=True, **{"role.provider": False, "role.deployer": True,
                       "role.importer": False, "role.distributor": False, "role.authorised_representative": False,
                       "deployer.public_service": False})  # fmt: skip
    assert result.roles == ("deployer",)
    assert {"Art.26", "Art.27", "Art.86", "Art.14", "Art.73", "Art.4"} <= set(result.articles)
    assert "Art.9" not in result.articles
    assert ob(result, "Art.14").roles == ("deployer",)


def test_public_deployers_register_and_assess_but_not_for_critical_infrastructure() -> None:
    common = {"role.provider": False, "role.deployer": True, "role.importer": False, "role.distributor": False,
              "role.authorised_representative": False, "deployer.public_service": True}  # fmt: skip
    school = annex_iii("AnnexIII.3(a)", profiling=True, **common)
    assert {"Art.27", "Art.49"} <= set(school.articles)
    assert ob(school, "Art.49").paragraphs == ("49(3)",)
    grid = annex_iii("AnnexIII.2", profiling=False, exceptions="none", **common)
    assert "Art.27" not in grid.articles


@pytest.mark.parametrize(
    ("role_answers", "roles", "article"),
    [
        ({"role.importer": True}, ("importer",), "Art.23"),
        ({"role.importer": False, "role.distributor": True}, ("distributor",), "Art.24"),
        ({"role.importer": False, "role.distributor": False, "role.authorised_representative": True},
         ("authorised_representative",), "Art.22"),
    ],
)  # fmt: skip
def test_supply_chain_roles_get_their_own_article(
    role_answers: dict[str, bool], roles: tuple[str, ...], article: str
) -> None:
    base = {"role.provider": False, "role.deployer": False, "role.importer": False, "role.distributor": False,
            "role.authorised_representative": False, "role.modifies_high_risk": False}  # fmt: skip
    result = annex_iii("AnnexIII.4(a)", profiling=True, **{**base, **role_answers})
    assert result.roles == roles
    assert article in result.articles
    assert "Art.9" not in result.articles


def test_rebranding_a_high_risk_system_makes_you_its_provider() -> None:
    result = annex_iii("AnnexIII.4(a)", profiling=True, **{"role.provider": False, "role.deployer": False,
                       "role.importer": False, "role.distributor": True, "role.authorised_representative": False,
                       "role.modifies_high_risk": True})  # fmt: skip
    assert result.roles == ("provider", "distributor")
    assert {"Art.9", "Art.24"} <= set(result.articles)
    assert "Art. 25(1)" in cited(result)


def test_product_manufacturer_of_an_annex_i_product_is_treated_as_provider() -> None:
    result = run(**{"role.provider": False, "role.deployer": False, "role.importer": False,
                    "role.distributor": False, "role.authorised_representative": False,
                    "role.modifies_high_risk": False, "annex_i.legislation": ["AnnexI.A.11"],
                    "annex_i.third_party_assessment": True, "role.product_manufacturer": True})  # fmt: skip
    assert result.roles == ("provider", "product_manufacturer")
    assert "Art.16" in result.articles
    assert "Art. 25(3)" in cited(result)


def test_no_role_still_explains_who_carries_the_duties() -> None:
    result = run(**{"role.provider": False, "role.deployer": False, "role.importer": False,
                    "role.distributor": False, "role.authorised_representative": False,
                    "role.modifies_high_risk": False})  # fmt: skip
    assert result.roles == ()
    assert "Art. 3(8)" in cited(result)


# ---------------------------------------------------------------- output


def test_every_reason_cites_an_article_and_the_outcome_serialises() -> None:
    result = annex_iii("AnnexIII.5(c)", profiling=True, **{"role.deployer": True, "deployer.public_service": False,
                       "transparency.interacts_with_people": True})  # fmt: skip
    for reason in result.reasons:
        assert reason.article.startswith("Art. "), reason
        assert reason.text.endswith("."), reason
    data = result.to_dict()
    assert data["register_tier"] == "high"
    assert "Art. 27" in data["articles"]
    fria = next(o for o in data["obligations"] if o["article"] == "Art.27")
    assert fria["applies_from"] == "2027-12-02"
    assert fria["original_date"] == "2026-08-02"
    assert data["decided_on"] == "2026-11-23"


def test_dates_come_from_the_timeline_data() -> None:
    eu = load_catalogue().framework("eu-ai-act")
    omnibus = eu.get("annex-iii-omnibus")
    assert omnibus.details["replaces"] == "annex-iii-original"
    assert eu.get("annex-iii-original").details["superseded_by"] == "annex-iii-omnibus"
    assert eu.get("annex-i-omnibus").details["date"] == dt.date(2028, 8, 2)
    for milestone in eu.of_kind("milestone"):
        assert milestone.details["basis"], milestone.id


def test_classify_is_pure() -> None:
    raw = answers(**{"annex_iii.points": ["AnnexIII.8(b)"], "annex_iii.profiling": False,
                     "annex_iii.exceptions": "none"})  # fmt: skip
    snapshot = dict(raw)
    first = classify(raw, today=TODAY)
    assert raw == snapshot
    assert classify(raw, today=TODAY) == first


# ---------------------------------------------------------------- properties over the whole questionnaire


@st.composite
def walked_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Answers produced by walking the questionnaire the way a user would."""
    qn = load_questionnaire()
    out: dict[str, Any] = {}
    for q in qn.questions:
        if not qn.applies(q, out):
            continue
        if q.type == "bool":
            out[q.id] = draw(st.booleans())
        elif q.type == "choice":
            out[q.id] = draw(st.sampled_from([c.id for c in q.choices]))
        elif q.type == "multi":
            ids = [c.id for c in q.choices if c.id != "none"]
            out[q.id] = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)) or "none"
        else:
            value = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1e27)))
            if value is not None:
                out[q.id] = value
    return out


@settings(max_examples=150, deadline=None)
@given(walked_answers(), st.dates(min_value=dt.date(2024, 8, 1), max_value=dt.date(2031, 1, 1)))
def test_any_walk_through_the_questionnaire_gives_a_coherent_outcome(raw: dict[str, Any], today: dt.date) -> None:
    result = classify(raw, today=today)
    assert result.tiers
    assert all(r.article.startswith("Art. ") for r in result.reasons)
    system_tiers = {"prohibited", "high", "annex-iii-exception", "limited", "minimal"} & set(result.tiers)
    is_system = raw["subject"] != "gpai_model"
    assert bool(system_tiers) == is_system
    assert ("minimal" in result.tiers) == (is_system and not system_tiers - {"minimal"})
    assert ("gpai" in result.tiers) == (raw["subject"] != "system")
    for o in result.obligations:
        assert o.in_application == (today >= o.applies_from)
        assert o.basis
    if "high" in result.tiers and "provider" in result.roles and not result.annex_i_section_b:
        assert {"Art.9", "Art.17", "Art.43", "Art.72"} <= set(result.articles)
    assert result.to_dict()["register_tier"] == next(
        t for t in ("prohibited", "high", "annex-iii-exception", "limited", "gpai-systemic", "gpai", "minimal")
        if t in result.tiers
    )
