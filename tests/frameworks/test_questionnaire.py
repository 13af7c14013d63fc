"""The questionnaire: valid branching, choices from the catalogue, answer checking."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.frameworks.kit import answers

from openaims.frameworks.euaiact.questionnaire import (
    AnswersError,
    Condition,
    coerce,
    load_questionnaire,
    validate_answers,
)


def test_every_when_refers_to_an_earlier_question() -> None:
    qn = load_questionnaire()
    earlier: set[str] = set()
    for q in qn.questions:
        if q.when is not None:
            assert set(q.when.questions()) <= earlier, q.id
        earlier.add(q.id)
    assert len(earlier) == len(qn.questions)


def test_choice_lists_come_from_the_catalogue() -> None:
    qn = load_questionnaire()
    points = {c.id for c in qn.get("annex_iii.points").choices}
    assert {"AnnexIII.2", "AnnexIII.6(e)"} <= points
    assert "AnnexIII.1" not in points
    assert len(points) == 26  # 25 points in 8 areas, plus "none"
    assert {c.id for c in qn.get("annex_iii.exceptions").choices} == {
        "Art.6(3)(a)", "Art.6(3)(b)", "Art.6(3)(c)", "Art.6(3)(d)", "none",
    }  # fmt: skip
    practices = {c.id for c in qn.get("prohibited.practices").choices}
    assert {"Art.5(1)(i)", "Art.5(1)(j)"} <= practices  # the two Digital Omnibus bans, each with its own point
    assert "Art.5-omnibus-ncii" not in practices  # the earlier combined id is still read (see test_classifier)


def test_questions_that_do_not_apply_are_dropped() -> None:
    raw = answers(**{"annex_iii.profiling": True, "gpai.open_source": True})
    clean = validate_answers(raw)
    assert "annex_iii.profiling" not in clean  # no Annex III point chosen
    assert "gpai.open_source" not in clean  # not a model
    assert "role.importer" not in clean  # providers are not asked
    assert clean["prohibited.practices"] == []


def test_missing_unknown_and_mistyped_answers_are_all_reported() -> None:
    raw: dict[str, Any] = answers(**{"annex_iii.points": ["AnnexIII.9(z)"], "bogus": 1})
    del raw["transparency.deep_fake"]
    raw["role.provider"] = "perhaps"
    with pytest.raises(AnswersError) as exc:
        validate_answers(raw)
    problems = exc.value.problems
    assert "unknown question id(s) bogus" in problems
    assert "role.provider: answer yes, no or unknown" in problems
    assert "transparency.deep_fake is not answered" in problems
    assert any(p.startswith("annex_iii.points: unknown choice(s) AnnexIII.9(z)") for p in problems)
    assert exc.value.exit_code == 2


def test_follow_up_questions_appear_when_their_condition_holds() -> None:
    raw = answers(**{"annex_iii.points": ["AnnexIII.4(a)"]})
    with pytest.raises(AnswersError) as exc:
        validate_answers(raw)
    assert exc.value.problems == ["annex_iii.profiling is not answered"]
    raw["annex_iii.profiling"] = False
    with pytest.raises(AnswersError) as exc:
        validate_answers(raw)
    assert exc.value.problems == ["annex_iii.exceptions is not answered"]


def test_none_cannot_be_combined_with_choices() -> None:
    q = load_questionnaire().get("annex_iii.points")
    with pytest.raises(ValueError, match="'none' cannot be combined"):
        coerce(q, ["none", "AnnexIII.2"])
    assert coerce(q, "none") == []
    assert coerce(q, ["AnnexIII.2", "AnnexIII.2"]) == ["AnnexIII.2"]


@pytest.mark.parametrize(
    ("raw", "expected"), [("yes", True), ("N", False), (True, True), ("off", False), (" true ", True)]
)
def test_yes_no_answers_accept_common_spellings(raw: Any, expected: bool) -> None:
    assert coerce(load_questionnaire().get("role.provider"), raw) is expected


def test_compute_must_be_a_non_negative_number() -> None:
    q = load_questionnaire().get("gpai.training_flop")
    assert coerce(q, "3e25") == 3e25
    assert coerce(q, "") is None
    for bad in ("-1", "nan", "inf", True, "lots"):
        with pytest.raises(ValueError):
            coerce(q, bad)


def test_empty_all_or_any_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="empty all/any"):
        Condition.model_validate({"all": []})
    with pytest.raises(ValueError, match="exactly one of equals"):
        Condition.model_validate({"question": "subject"})


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.booleans(), st.none(),
                 st.lists(st.text(max_size=15), max_size=4)))  # fmt: skip
def test_coerce_either_returns_a_typed_answer_or_raises_value_error(value: Any) -> None:
    qn = load_questionnaire()
    for qid in ("subject", "role.provider", "annex_iii.points", "gpai.training_flop"):
        q = qn.get(qid)
        try:
            out = coerce(q, value)
        except ValueError:
            continue
        if q.type == "bool":
            assert isinstance(out, bool)
        elif q.type == "multi":
            assert isinstance(out, list)
            assert set(out) <= {c.id for c in q.choices}
        elif q.type == "choice":
            assert out in {c.id for c in q.choices}
        else:
            assert out is None or out >= 0


@given(st.dictionaries(st.sampled_from(load_questionnaire().ids), st.sampled_from([True, False, "none", "system"])))
def test_validate_answers_never_fails_other_than_with_answers_error(raw: dict[str, Any]) -> None:
    problems: list[str] = []
    try:
        clean = validate_answers(raw)
    except AnswersError as exc:
        problems = exc.problems
        clean = {}
    if problems:
        return
    qn = load_questionnaire()
    assert set(clean) <= set(qn.ids)
