"""The management review's monitoring input: per monitored AI system its plan, last result, breaches and
warnings since the last review, open incidents and overdue plans, figures matching the register."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.support.cli import run

from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.monitoring import push
from openaims.register.review_inputs import compile_inputs, prepare_review
from openaims.register.services import ManagementReviewService, SystemService
from openaims.register.services.monitoring_plans import MonitoringPlanService

ADMIN = Actor(name="maria", roles=frozenset({Role.ADMIN}))
HELD = dt.date(2026, 3, 1)
AS_OF = dt.date(2026, 9, 1)
PLAN = {"title": "Scoring monitoring", "owner": "maria", "schedule": "monthly",
        "metrics": [{"name": "latency_ms", "kind": "performance", "warning": 300, "breach": 800}]}  # fmt: skip


def at(day: dt.date) -> Any:
    return lambda: dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def _register(s: Any) -> dict[str, str]:
    """A review held on HELD; a monitored system with a breach before it and a breach and two warnings after
    it, its incident still open and its results overdue; a system in operation without a plan."""
    reviews = ManagementReviewService(s, ADMIN, clock=at(HELD))
    first = reviews.create({"title": "H2 2025 review", "owner": "maria"})
    prepare_review(s, ADMIN, first.id, today=HELD)
    first = reviews.get(first.id)
    reviews.transition(first.id, first.version, "held",
                       {"held_on": HELD, "chair": "elena", "attendees": ["elena", "maria"]})  # fmt: skip
    systems = SystemService(s, ADMIN, clock=at(dt.date(2026, 1, 5)))
    scoring = systems.create({"name": "Credit scoring", "owner": "maria"})
    MonitoringPlanService(s, ADMIN, clock=at(dt.date(2026, 1, 10))).put_for_system(scoring.id, PLAN)
    incidents = []
    for day, value in ((dt.date(2026, 2, 10), 950), (dt.date(2026, 4, 1), 350), (dt.date(2026, 5, 1), 900),
                       (dt.date(2026, 7, 1), 400)):  # fmt: skip
        outcome = push(s, ADMIN, scoring.id, "latency_ms", value, at=at(day)(), now=at(day)())
        incidents += outcome.incidents_opened
    chatbot = systems.create({"name": "Support chatbot", "owner": "maria"})
    systems.move(chatbot.id, chatbot.version, "operation", override="Launched before the gate was set up")
    second = ManagementReviewService(s, ADMIN, clock=at(AS_OF)).create({"title": "H1 2026 review"})
    return {"scoring": scoring.id, "chatbot": chatbot.id, "incident": incidents[0], "first": first.id,
            "second": second.id}  # fmt: skip


def test_the_monitoring_input_matches_the_register(database: Database) -> None:
    with database.session() as s:
        ids = _register(s)
        plan = MonitoringPlanService(s, ADMIN).for_system(ids["scoring"])
        compiled = compile_inputs(s, ADMIN, ids["second"], today=AS_OF)
    assert plan is not None
    section = compiled.section("system_monitoring")
    assert section.title == "monitoring of AI systems in operation"
    assert section.figures == {
        "systems monitored": 1,
        "in deployment or operation without a plan": 1,
        "overdue": 1,
        "breaches since": 1,
        "warnings since": 2,
        "warnings unreviewed": 2,
        "open monitoring incidents": 1,
    }
    assert section.lines == [
        f"{ids['scoring']} Credit scoring: plan {plan.id} (monthly, active), last result 2026-07-01, 1 breach(es) "
        f"and 2 warning(s) since the last review, open incidents {ids['incident']}, 2 warning(s) unreviewed, "
        "OVERDUE since 2026-08-01",
        f"{ids['chatbot']} Support chatbot: in operation with no monitoring plan",
    ]
    assert section.to_dict()["links"] == [plan.id, ids["incident"], ids["chatbot"]]
    keys = [x.key for x in compiled.sections]
    assert keys.index("system_monitoring") == keys.index("opportunities") + 1


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    return db_url


def test_prepare_prints_the_monitoring_figures(capsys: pytest.CaptureFixture[str], cli_env: str) -> None:
    database = Database(cli_env)
    with database.session() as s:
        ids = _register(s)
    database.dispose()
    code, out, err = run(capsys, "management-review", "prepare", ids["second"], "--as-of", AS_OF.isoformat())
    assert (code, err) == (0, "")
    text = " ".join(out.split())  # the terminal wraps long lines
    assert ("monitoring of AI systems in operation systems monitored: 1; in deployment or operation without a "
            "plan: 1; overdue: 1; breaches since: 1; warnings since: 2; warnings unreviewed: 2; open monitoring "
            "incidents: 1") in text  # fmt: skip
    assert f"- {ids['chatbot']} Support chatbot: in operation with no monitoring plan" in text
