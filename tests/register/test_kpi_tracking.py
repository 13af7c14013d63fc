"""KPIs tracked by objectives: ``aims kpi track|record|list``, a value recorded when a management
review's inputs are compiled, and a missed target flagged on the objective's page (with its trend
chart), on the dashboard and in the review inputs (both databases)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.support.cli import run

from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.review_inputs import prepare_review
from openaims.register.services import ComponentService, ManagementReviewService, ObjectiveService

ADMIN = Actor("admin")
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)
    database = Database(db_url)
    with database.session() as s:  # one AI component nobody has reviewed: the KPI misses its target of 0
        ComponentService(s, ADMIN).create({"kind": "model", "name": "gpt-4o", "fingerprint": "f1",
                                           "repository": "acme/chat"})  # fmt: skip
    database.dispose()
    return db_url


def test_a_tracked_kpi_is_measured_once_a_day_and_its_missed_target_is_listed(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    code, out, err = run(capsys, "kpi", "track", "unapproved_components", "--owner", "alice", "--due", "2026-12-31")
    assert (code, err) == (0, "")
    assert " ".join(out.split()) == ("OBJ-1 tracks unapproved_components: AI components waiting for approval, target at most 0 "
                           "components; first value recorded as MEAS-1.")  # fmt: skip
    code, out, err = run(capsys, "kpi", "list", "--format", "json")
    assert code == 0, err
    rows = {r["key"]: r for r in json.loads(out)}
    assert (rows["unapproved_components"]["value"], rows["unapproved_components"]["met"],
            rows["unapproved_components"]["objective_id"]) == (1.0, False, "OBJ-1")  # fmt: skip
    assert rows["impact_current"]["objective_id"] is None
    code, out, err = run(capsys, "kpi", "record")
    assert code == 0, err
    assert f"Recorded 0 measurement(s) for {TODAY} (already recorded today)." in out
    assert "  OBJ-1 unapproved_components: 1 components (target <= 0 components) MISSED" in out
    code, out, err = run(capsys, "kpi", "record", "--date", (TODAY + dt.timedelta(days=1)).isoformat())
    assert f"Recorded 1 measurement(s) for {TODAY + dt.timedelta(days=1)}: MEAS-2." in out
    code, _out, err = run(capsys, "kpi", "track", "unapproved_components", "--owner", "alice", "--due", "2026-12-31")
    assert code == 1
    assert "OBJ-1 already tracks unapproved_components" in err
    code, _out, err = run(capsys, "kpi", "track", "happiness", "--owner", "alice", "--due", "2026-12-31")
    assert code == 2
    assert "no KPI 'happiness'; the KPIs are: impact_current, risk_assessed" in err


def test_compiling_review_inputs_records_the_kpis_and_lists_the_missed_target(cli_env: str) -> None:
    database = Database(cli_env)
    try:
        with database.session() as s:
            objective = ObjectiveService(s, ADMIN).create(
                {"title": "No unreviewed AI", "metric": "kpi:unapproved_components", "target_value": 0,
                 "direction": "at_most", "owner": "alice", "due_date": TODAY + dt.timedelta(days=90)},
                status="active")  # fmt: skip
            review = ManagementReviewService(s, ADMIN).create({"title": "Q2 review"})
            compiled = prepare_review(s, ADMIN, review.id, today=TODAY)
            measured = ObjectiveService(s, ADMIN).measurements(objective.id)
    finally:
        database.dispose()
    assert [(m.measured_on, m.value) for m in measured] == [(TODAY, 1.0)]
    section = compiled.section("monitoring_results")
    assert f"{objective.id} No unreviewed AI: 1 on {TODAY} (target <= 0) MISSED" in section.lines
    assert section.figures["targets missed"] >= 1
