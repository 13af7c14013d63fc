"""Management review inputs compiled from a register whose content is known: exact figures, and
actions left open in one review appearing in the next."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.support.cli import run

from openaims.errors import ConflictError
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.review_inputs import compile_inputs, prepare_review
from openaims.register.services import (
    IncidentService,
    ManagementReviewService,
    MeasurementService,
    NonconformityService,
    ObjectiveService,
    ReviewActionService,
)

ADMIN = Actor(name="maria", roles=frozenset({Role.ADMIN}))
HELD = dt.date(2026, 3, 1)
AS_OF = dt.date(2026, 9, 1)


def at(day: dt.date) -> Any:
    return lambda: dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def svc(cls: Any, s: Any, day: dt.date) -> Any:
    return cls(s, ADMIN, clock=at(day))


def _first_review(s: Any) -> dict[str, str]:
    reviews = svc(ManagementReviewService, s, HELD)
    mr = reviews.create({"title": "H2 2025 review", "owner": "maria"})
    prepare_review(s, ADMIN, mr.id, today=HELD)
    mr = reviews.get(mr.id)
    mr = reviews.transition(
        mr.id, mr.version, "held", {"held_on": HELD, "chair": "elena", "attendees": ["elena", "maria"]}
    )
    actions = svc(ReviewActionService, s, HELD)
    left_open = actions.create(
        {
            "review_id": mr.id,
            "description": "Assess the triage assistant",
            "owner": "raj",
            "due_date": dt.date(2026, 5, 1),
        }
    )
    done = actions.create(
        {"review_id": mr.id, "description": "Publish the AI policy", "owner": "tom", "due_date": dt.date(2026, 4, 15)}
    )
    svc(ReviewActionService, s, dt.date(2026, 4, 1)).transition(done.id, done.version, "done")
    mr = reviews.get(mr.id)
    svc(ManagementReviewService, s, HELD).approve_record(mr.id, mr.version, {"decisions": ["Fund fairness tests"]})
    return {"review": mr.id, "open": left_open.id, "done": done.id}


def _content(s: Any) -> dict[str, str]:
    ncs = {}
    for title, created, due in [
        ("Old gap", dt.date(2026, 1, 10), None),
        ("RACI stale", dt.date(2026, 4, 1), None),
        ("Late review", dt.date(2026, 5, 1), dt.date(2026, 6, 1)),
    ]:
        ncs[title] = svc(NonconformityService, s, created).create({"title": title, "due_date": due}).id
    inc = svc(IncidentService, s, dt.date(2026, 4, 10)).create({"title": "Prompt injection", "severity": "high"})
    objective = svc(ObjectiveService, s, dt.date(2026, 1, 5)).create(
        {
            "title": "Chatbot accuracy",
            "metric": "accuracy",
            "target_value": 95,
            "unit": "%",
            "owner": "tom",
            "due_date": dt.date(2026, 12, 31),
        },
        status="active",
    )
    for day, value in [(dt.date(2026, 6, 1), 96.0), (dt.date(2026, 8, 1), 91.0)]:
        svc(MeasurementService, s, day).create({"objective_id": objective.id, "measured_on": day, "value": value})
    return {**ncs, "incident": inc.id, "objective": objective.id}


def test_the_compiled_inputs_match_the_register(database: Any) -> None:
    with database.session() as s:
        first = _first_review(s)
        ids = _content(s)
        second = svc(ManagementReviewService, s, AS_OF).create({"title": "H1 2026 review"})
        compiled = compile_inputs(s, ADMIN, second.id, today=AS_OF)
    assert (compiled.since, compiled.previous_review) == (HELD, first["review"])
    assert compiled.section("previous_actions").figures == {"open": 1, "overdue": 1, "done since": 1}
    assert compiled.section("previous_actions").lines == [
        f"{first['open']} from {first['review']}: Assess the triage assistant (owner raj, due 2026-05-01, overdue)",
        f"{first['done']} from {first['review']}: Publish the AI policy (done 2026-04-01)",
    ]
    ncs = compiled.section("nonconformities_corrective_actions").figures
    assert ncs == {
        "open": 3,
        "raised since": 2,
        "raised in the period before": 1,
        "trend": "rising",
        "closed since": 0,
        "overdue": 1,
        "corrective actions open": 0,
        "corrective actions overdue": 0,
        "verified effective since": 0,
        "median days to close": None,
    }
    incidents = compiled.section("incidents")
    assert incidents.figures == {
        "reported since": 1,
        "critical since": 0,
        "high since": 1,
        "medium since": 0,
        "low since": 0,
        "open": 1,
    }
    assert incidents.to_dict()["links"] == [ids["incident"]]
    monitoring = compiled.section("monitoring_results")
    assert monitoring.figures["targets missed"] == 1
    assert f"{ids['objective']} Chatbot accuracy: 91% on 2026-08-01 (target >= 95%) MISSED" in monitoring.lines
    assert [s.key for s in compiled.sections][:7] == [
        "previous_actions",
        "external_internal_issues",
        "interested_party_needs",
        "nonconformities_corrective_actions",
        "monitoring_results",
        "audit_results",
        "opportunities",
    ]


def test_an_action_left_open_appears_in_the_next_review_until_it_is_done(database: Any) -> None:
    with database.session() as s:
        first = _first_review(s)
        second = svc(ManagementReviewService, s, AS_OF).create({"title": "H1 2026 review"})
        stored = prepare_review(s, ADMIN, second.id, today=AS_OF)
        action = ReviewActionService(s, ADMIN).get(first["open"])
        ReviewActionService(s, ADMIN).transition(action.id, action.version, "done")
        again = compile_inputs(s, ADMIN, second.id, today=AS_OF)
        review = ManagementReviewService(s, ADMIN).get(second.id)
    assert first["open"] in stored.section("previous_actions").links
    assert review.compiled_inputs["sections"][0]["figures"] == {"open": 1, "overdue": 1, "done since": 1}
    assert again.section("previous_actions").figures["open"] == 0


def test_a_review_is_held_only_once_its_inputs_are_compiled(database: Any) -> None:
    with database.session() as s:
        reviews = ManagementReviewService(s, ADMIN)
        mr = reviews.create({"title": "Review"})
        with pytest.raises(RuleViolationError, match=f"aims management-review prepare {mr.id}"):
            reviews.transition(mr.id, mr.version, "held", {"held_on": HELD, "chair": "e", "attendees": ["e"]})


def test_inputs_cannot_be_typed(database: Any) -> None:
    with database.session() as s, pytest.raises(RecordValidationError, match="kept up to date by the register"):
        ManagementReviewService(s, ADMIN).create({"title": "Review", "inputs": {"audit_results": "fine"}})


def test_every_action_has_an_owner_and_a_due_date(database: Any) -> None:
    with database.session() as s:
        mr = ManagementReviewService(s, ADMIN).create({"title": "Review"})
        with pytest.raises(RuleViolationError, match="without Owner, Due date"):
            ReviewActionService(s, ADMIN).create({"review_id": mr.id, "description": "Do it"})


def test_a_closed_review_takes_no_new_actions_or_inputs(database: Any) -> None:
    with database.session() as s:
        first = _first_review(s)
        with pytest.raises(RuleViolationError, match="planned or held"):
            ReviewActionService(s, ADMIN).create(
                {"review_id": first["review"], "description": "Late", "owner": "raj", "due_date": AS_OF}
            )
        with pytest.raises((RuleViolationError, ConflictError), match="planned or held"):
            prepare_review(s, ADMIN, first["review"], today=AS_OF)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)
    return db_url


def test_aims_management_review_prepare_prints_the_figures_and_the_open_actions(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    database = Database(cli_env)
    with database.session() as s:
        first = _first_review(s)
        _content(s)
        second = svc(ManagementReviewService, s, AS_OF).create({"title": "H1 2026 review"})
    database.dispose()
    code, out, err = run(capsys, "management-review", "prepare", second.id, "--as-of", AS_OF.isoformat())
    assert (code, err) == (0, "")
    assert f"{second.id}: inputs [9.3.2] as of {AS_OF}, since {HELD} (previous review {first['review']})" in out
    assert "  open: 1; overdue: 1; done since: 1" in out
    assert f"  - {first['open']} from {first['review']}: Assess the triage assistant" in out
    assert "raised since: 2; raised in the period before: 1; trend: rising" in out
    code, out, err = run(
        capsys,
        "management-review",
        "action",
        second.id,
        "--description",
        "Retrain the model",
        "--owner",
        "raj",
        "--due",
        "2026-10-01",
    )
    assert code == 0
    assert out.startswith("Created MRA-3 (open, due 2026-10-01, owner raj)")
    code, _, err = run(
        capsys, "management-review", "action", second.id, "--description", "x", "--owner", "raj", "--due", "someday"
    )
    assert code == 2
    assert "Due date must be a date as YYYY-MM-DD (got 'someday')" in err
    assert "Traceback" not in err
    pdf = tmp_path / "minutes.pdf"
    code, out, _ = run(capsys, "management-review", "minutes", second.id, str(pdf))
    assert code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    code, _, err = run(capsys, "management-review", "prepare", "MR-99")
    assert code != 0
    assert "MR-99" in err
