"""EU AI Act verdicts checked against the Act: duties follow the role they bind, Annex I Section B
and the Art. 49 / Art. 86 exclusions, prohibited practices without high-risk duties, the Art. 6(3)
exception told to deployers, stored tiers that agree with the outcome, the Digital Omnibus as data
with its adoption status, and "don't know" answers that ask for legal review instead of a guess."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.frameworks.kit import answers
from typer.testing import CliRunner

from openaims.cli import main as cli_main
from openaims.cli.main import main
from openaims.frameworks import loader
from openaims.frameworks.euaiact.classifier import Classification, Obligation, classify
from openaims.frameworks.euaiact.questionnaire import load_questionnaire
from openaims.frameworks.loader import CatalogueError, load_catalogue

TODAY = dt.date(2026, 11, 23)
NOT_PROVIDER = {"role.provider": False, "role.importer": False, "role.distributor": False,
                "role.authorised_representative": False, "role.modifies_high_risk": False}  # fmt: skip
DEPLOYER = {**NOT_PROVIDER, "role.deployer": True}


def run(**changes: Any) -> Classification:
    return classify(answers(**changes), today=TODAY)


def ob(result: Classification, article: str) -> Obligation:
    return {o.article: o for o in result.obligations}[article]


def cited(result: Classification) -> set[str]:
    return {r.article for r in result.reasons}


# ---------------------------------------------------------------- Art. 50 binds the role it names

CODE_ASSISTANT = {
    "transparency.interacts_with_people": True, "transparency.obvious_ai": False,
    "transparency.synthetic_content": True, "transparency.assistive_editing": False,
    "transparency.on_market_before_2026_08_02": False, "transparency.public_interest_text": False,
}  # fmt: skip


def test_a_deployer_of_a_code_assistant_is_not_given_the_transparency_tier() -> None:
    result = run(**DEPLOYER, **CODE_ASSISTANT)
    assert result.roles == ("deployer",)
    assert result.tiers == ("minimal",)
    assert result.register_tier == "minimal"
    assert result.transparency_cases == ()
    assert result.transparency_cases_of_others == ("Art.50(1)", "Art.50(2)")
    assert "Art.50" not in result.articles
    why = {r.article: r.text for r in result.reasons}
    assert "binds the provider, not you (deployer)" in why["Art. 50(1)"]
    assert "binds the provider, not you (deployer)" in why["Art. 50(2)"]


def test_the_provider_of_the_same_code_assistant_has_the_duties() -> None:
    result = run(**CODE_ASSISTANT)
    assert result.tiers == ("limited",)
    assert ob(result, "Art.50").paragraphs == ("50(1)", "50(2)")
    assert ob(result, "Art.50").roles == ("provider",)


def test_a_provider_is_not_bound_by_the_deployer_cases() -> None:
    result = run(**{"transparency.deep_fake": True})
    assert result.tiers == ("minimal",)
    assert result.transparency_cases_of_others == ("Art.50(4)",)


@pytest.mark.parametrize(
    ("exception", "case"),
    [("transparency.obvious_ai", "Art.50(1)"), ("transparency.assistive_editing", "Art.50(2)")],
)
def test_art_50_exceptions_take_the_case_away(exception: str, case: str) -> None:
    result = run(**{**CODE_ASSISTANT, exception: True})
    assert case not in result.transparency_cases
    assert case not in result.transparency_cases_of_others
    assert result.tiers == ("limited",)  # the other case still holds
    assert case.replace("Art.", "Art. ") in cited(result)


# ---------------------------------------------------------------- Annex I Section B, Art. 49, Art. 86


def annex_i(*legislation: str, **more: Any) -> Classification:
    return run(**{"annex_i.legislation": list(legislation), "annex_i.third_party_assessment": True,
                  "role.product_manufacturer": False, **more})  # fmt: skip


def test_a_section_b_vehicle_gets_only_art_6_1_102_to_109_and_112() -> None:
    result = annex_i("AnnexI.B.18")
    assert result.tiers == ("high",)
    assert result.annex_i_section_b
    assert set(result.articles) == {"Art.2", "Art.4", "Art.6", "Art.107", "Art.112"}
    assert ob(result, "Art.6").paragraphs == ("6(1)",)
    assert "Art. 2(2)" in cited(result)


def test_machinery_is_section_b_since_the_digital_omnibus() -> None:
    result = annex_i("AnnexI.A.1")
    assert result.annex_i_section_b
    assert "Art.16" not in result.articles
    assert "Art.9" not in result.articles
    assert any("Digital Omnibus" in r.text and r.article == "Art. 2(2)" for r in result.reasons)


def test_section_a_and_b_together_keep_the_full_provider_duties() -> None:
    result = annex_i("AnnexI.A.11", "AnnexI.B.18")
    assert not result.annex_i_section_b
    assert {"Art.9", "Art.16", "Art.43"} <= set(result.articles)


def test_an_annex_i_product_is_not_registered_under_art_49() -> None:
    result = annex_i("AnnexI.A.11")
    assert "Art.9" in result.articles
    assert "Art.49" not in result.articles


def annex_iii(*points: str, **more: Any) -> Classification:
    return run(**{"annex_iii.points": list(points), "annex_iii.profiling": False, "annex_iii.exceptions": "none",
                  **more})  # fmt: skip


def test_critical_infrastructure_registers_nationally_and_has_no_art_49_3_or_86() -> None:
    provider = annex_iii("AnnexIII.2")
    assert ob(provider, "Art.49").paragraphs == ("49(5)",)
    public = annex_iii("AnnexIII.2", **DEPLOYER, **{"deployer.public_service": True})
    assert {"Art.26", "Art.14"} <= set(public.articles)
    assert not {"Art.49", "Art.86", "Art.27"} & set(public.articles)
    school = annex_iii("AnnexIII.3(a)", **DEPLOYER, **{"deployer.public_service": True})
    assert {"Art.49", "Art.86", "Art.27"} <= set(school.articles)
    assert ob(school, "Art.49").paragraphs == ("49(3)",)


def test_a_prohibited_practice_gets_no_high_risk_duties() -> None:
    result = run(**{"prohibited.practices": ["Art.5(1)(c)"], "annex_iii.points": ["AnnexIII.5(a)"],
                    "annex_iii.profiling": True, "transparency.interacts_with_people": True})  # fmt: skip
    assert result.tiers == ("prohibited",)
    assert set(result.articles) == {"Art.5", "Art.99"}
    assert not [o for o in result.obligations if o.applies_from.year >= 2027]
    assert any("no high-risk duties are listed" in r.text for r in result.reasons)


# ---------------------------------------------------------------- Art. 6(3) and stored tiers


def test_a_deployer_under_the_art_6_3_exception_is_told_about_art_6_4() -> None:
    result = annex_iii(
        "AnnexIII.4(a)", **DEPLOYER, **{"annex_iii.exceptions": ["Art.6(3)(a)"], "deployer.public_service": False}
    )
    assert result.tiers == ("annex-iii-exception",)
    assert "Art.6" not in result.articles  # the documentation is the provider's duty...
    text = next(r.text for r in result.reasons if r.article == "Art. 6(4)")
    assert "ask the provider for that assessment" in text  # ...and the deployer is told so
    assert "Art. 49(2)" in text


def test_the_art_6_3_question_gives_examples() -> None:
    question = load_questionnaire().get("annex_iii.exceptions")
    labels = {c.id: c.label for c in question.choices}
    assert "for example" in labels["Art.6(3)(a)"]
    assert all("for example" in labels[f"Art.6(3)({x})"] for x in "abcd")
    assert "does not qualify" in (question.help or "")


def model(**changes: Any) -> Classification:
    raw = {"subject": "gpai_model", "role.provider": True, "gpai.designated_systemic": False,
           "gpai.open_source": False, "gpai.on_market_before_2025_08_02": False, **changes}  # fmt: skip
    return classify(raw, today=TODAY)


def test_a_model_with_systemic_risk_is_stored_as_such() -> None:
    assert model(**{"gpai.training_flop": 3e25}).register_tier == "gpai-systemic"
    assert model(**{"gpai.training_flop": 3e24}).register_tier == "gpai"
    both = classify({**answers(), "subject": "system_and_gpai_model", "gpai.training_flop": 3e25,
                     "gpai.designated_systemic": False, "gpai.open_source": False,
                     "gpai.on_market_before_2025_08_02": False}, today=TODAY)  # fmt: skip
    assert both.tiers == ("minimal", "gpai-systemic", "gpai")
    assert both.register_tier == "gpai-systemic"


# ---------------------------------------------------------------- the Digital Omnibus as data


def test_two_new_article_5_bans_with_their_own_numbering() -> None:
    eu = load_catalogue().framework("eu-ai-act")
    for point in ("Art.5(1)(i)", "Art.5(1)(j)"):
        item = eu.get(point)
        assert (item.details["numbering"], item.details["amendment"]) == ("provisional", "digital-omnibus-ai")
        result = run(**{"prohibited.practices": [point]})
        art5 = ob(result, "Art.5")
        assert (art5.paragraphs, art5.applies_from) == ((point.removeprefix("Art."),), dt.date(2026, 12, 2))
        assert art5.amendment is not None
        assert art5.amendment["status"] == "adopted"
        assert "Official Journal reference not yet recorded" in art5.date_note


def test_art_4_in_its_amended_wording_with_the_amendment() -> None:
    result = run()
    art4 = ob(result, "Art.4")
    assert art4.title.startswith("Take measures to support the AI literacy")
    text = next(r.text for r in result.reasons if r.article == "Art. 4")
    assert "as amended by the Digital Omnibus on AI, adopted" in text


def test_the_art_50_2_grace_period_has_its_own_basis_and_date_row() -> None:
    eu = load_catalogue().framework("eu-ai-act")
    grace = eu.get("omnibus-art50-2-grace")
    assert grace.details["date"] == dt.date(2026, 12, 2)
    assert grace.details["basis"].startswith("Art. 111 as amended by the Digital Omnibus")
    result = run(**{**CODE_ASSISTANT, "transparency.on_market_before_2026_08_02": True})
    legacy = [o for o in result.obligations if o.article == "Art.50"]
    assert legacy
    assert legacy[0].applies_from == dt.date(2026, 8, 2)
    assert "Art. 111" in cited(result)


def test_the_omnibus_adoption_steps_and_open_oj_reference() -> None:
    (omnibus,) = load_catalogue().framework("eu-ai-act").raw["amendments"]
    assert omnibus["status"] == "adopted"
    assert [(s["step"], s["date"]) for s in omnibus["steps"]][-2:] == [
        ("parliament", "2026-06-16"), ("council", "2026-06-29"),
    ]  # fmt: skip
    assert omnibus["oj_reference"] is None


@pytest.fixture
def edited_catalogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The EU AI Act catalogue as data a test may edit before it is loaded."""
    original = loader._read
    data = copy.deepcopy(original(loader.FRAMEWORK_FILES["eu-ai-act"]))

    def read(name: str) -> Any:
        return copy.deepcopy(data) if name == loader.FRAMEWORK_FILES["eu-ai-act"] else original(name)

    monkeypatch.setattr(loader, "_read", read)
    load_catalogue.cache_clear()
    yield data
    load_catalogue.cache_clear()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "published"}, "status published needs oj_reference and published_on"),
        ({"oj_reference": "OJ L, 2026/1234, 15.7.2026"}, "need status published or in_force"),
        ({"status": "published", "oj_reference": "L 2026/1234", "published_on": dt.date(2026, 7, 15)},
         "is not like 'OJ L, 2026/1234, 15.7.2026'"),
        ({"status": "published", "oj_reference": "OJ L, 2026/1234, 15.7.2026", "published_on": dt.date(2026, 7, 16)},
         "oj_reference dates 15.7.2026"),
        ({"status": "in_force", "oj_reference": "OJ L, 2026/1234, 15.7.2026", "published_on": dt.date(2026, 7, 15)},
         "status in_force needs in_force_from"),
    ],
)  # fmt: skip
def test_the_adoption_fields_are_checked_when_filled(
    edited_catalogue: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    edited_catalogue["amendments"][0].update(fields)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue()
    assert message in exc.value.message


def test_a_filled_oj_reference_shows_in_the_outcome(edited_catalogue: dict[str, Any]) -> None:
    edited_catalogue["amendments"][0].update(
        status="in_force", oj_reference="OJ L, 2026/1234, 15.7.2026", published_on=dt.date(2026, 7, 15),
        in_force_from=dt.date(2026, 7, 18),
    )  # fmt: skip
    art5 = ob(run(**{"prohibited.practices": ["Art.5(1)(i)"]}), "Art.5")
    assert art5.date_status == "in_force"
    assert art5.date_note == "Digital Omnibus on AI, OJ L, 2026/1234, 15.7.2026"


# ---------------------------------------------------------------- don't know


def test_a_dont_know_answer_needs_legal_review_with_the_open_questions() -> None:
    result = run(**{"annex_iii.points": ["AnnexIII.4(a)"], "annex_iii.profiling": "don't know"})
    assert result.outcome == "needs_legal_review"
    assert result.tiers == ()
    assert result.obligations == ()
    assert result.register_tier == "unclassified"
    assert [q.id for q in result.open_questions] == ["annex_iii.profiling"]
    assert "annex_iii.exceptions" not in result.answers  # its follow-up waits for the answer
    text = result.reasons[-1].text
    assert text.startswith("Needs legal review")
    assert "annex_iii.profiling" in text
    data = result.to_dict()
    assert data["outcome"] == "needs_legal_review"
    assert data["open_questions"][0]["id"] == "annex_iii.profiling"


def test_unknown_is_accepted_by_every_kind_of_question() -> None:
    result = run(**{**NOT_PROVIDER, "role.provider": "?", "prohibited.practices": "unknown", "role.deployer": True})
    assert {q.id for q in result.open_questions} == {"role.provider", "prohibited.practices"}


def test_a_certain_ban_stays_whatever_is_unknown() -> None:
    result = run(**{"prohibited.practices": ["Art.5(1)(a)"], "transparency.deep_fake": "unknown"})
    assert result.tiers == ("prohibited",)
    assert result.outcome == "decided"
    assert [q.id for q in result.open_questions] == ["transparency.deep_fake"]


# ---------------------------------------------------------------- the answers file


def aims(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out, err = capsys.readouterr()
    return code, out, err


def test_an_answers_file_with_a_duplicated_key_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = answers(**{"prohibited.practices": ["Art.5(1)(a)"]})
    text = yaml.safe_dump(raw, sort_keys=False) + "prohibited.practices: none\n"
    target = tmp_path / "answers.yaml"
    target.write_text(text)
    line = text.splitlines().index("prohibited.practices: none") + 1
    first = text.splitlines().index("prohibited.practices:") + 1
    code, out, err = aims(capsys, "classify", "--no-store", "--answers", str(target))
    assert code == 2
    assert out == ""
    assert err.strip() == (
        f"aims: error: {target}:{line}: duplicate key 'prohibited.practices' (first at line {first})"
    )


def test_dont_know_in_an_answers_file_prints_needs_legal_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "answers.yaml"
    target.write_text(yaml.safe_dump(answers(**{"transparency.deep_fake": "don't know"}), sort_keys=False))
    code, out, _ = aims(capsys, "classify", "--no-store", "--answers", str(target), "--date", "2026-11-23")
    assert code == 0
    assert "Outcome: needs legal review" in out
    assert "transparency.deep_fake" in out


def test_the_guided_questions_accept_dont_know() -> None:
    # subject 1; provider "?" (so the supply-chain questions wait); deployer yes; no practice, no Annex I
    # or III; interacts with people no; synthetic content no; emotion no; deep fake no.
    typed = "1\n?\ny\nnone\nnone\nnone\nn\nn\nn\nn\n"
    result = CliRunner().invoke(cli_main.app, ["classify", "--no-store", "--format", "json"], input=typed)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index('{\n  "system"') :])
    assert data["outcome"] == "needs_legal_review"
    assert [q["id"] for q in data["open_questions"]] == ["role.provider"]
    assert data["tiers"] == []
