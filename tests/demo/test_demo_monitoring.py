"""The sample register monitors its credit scoring model: a plan, five months of results computed
from generated prediction batches, a fairness breach that opened an incident, and a monitoring page
whose charts are drawn from the stored results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.register.models.monitoring import MonitoringResult
from openaims.register.monitoring import status, system_view
from openaims.register.services import IncidentService, SystemService

TODAY = dt.date(2026, 5, 4)
NOW = dt.datetime(2026, 5, 4, 12, tzinfo=dt.UTC)
READER = Actor("reader")


def test_the_sample_credit_model_has_months_of_results_a_fairness_breach_and_a_charted_page(
    database: Database, tmp_path: Path
) -> None:
    with database.session() as s:
        load_demo(s, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    with database.read() as s:
        scoring = next(x for x in SystemService(s, READER).all() if x.name == "Credit scoring model")
        [state] = status(s, READER, now=NOW)
        view = system_view(s, READER, scoring.id, now=NOW)
        sources = set(s.execute(select(MonitoringResult.source).distinct()).scalars())
        batches = s.execute(select(func.count(func.distinct(MonitoringResult.batch)))).scalar_one()
        [incident_id] = state.open_incidents
        incident = IncidentService(s, READER).get(incident_id)
    assert state.system_id == scoring.id
    assert state.level == "breach"
    assert not state.overdue
    assert sources == {"evaluate", "push"}
    assert batches >= 5  # five monthly batches (and the pushed latencies)
    assert incident.status == "investigating"
    assert "approval_gap_age" in incident.title
    gap = next(x for x in view.series if x.metric == "approval_gap_age")
    assert [p.level for p in gap.points] == ["warning", "ok", "ok", "breach", "breach"]
    assert {p.at.date() for p in gap.points} == {TODAY + dt.timedelta(days=d) for d in (-150, -120, -90, -60, -30)}
    assert {b.metric for b in view.fairness} == {"approval_rate", "false_negative_rate"}
    assert {f for b in view.drift for f, _v, _l in b.items} >= {"income", "region", "score"}

    from tests.web.conftest import ADMIN, PASSWORD, sign_in, web_settings

    from openaims.register.services.accounts import AccountService
    from openaims.web.app import create_app

    with database.session() as s:
        AccountService(s, ADMIN).create("ada", PASSWORD, roles=["admin"], display_name="Ada")
    browser, _csrf = sign_in(create_app(database, web_settings=web_settings()), "ada")
    page = browser.get(f"/monitoring/{scoring.id}")
    assert page.status_code == 200, page.text[:500]
    assert page.text.count("<svg") >= 10
    assert '<title>approval_gap_age (age_band)</title>' in page.text
    assert page.text.count('class="point-breach"') >= 2
