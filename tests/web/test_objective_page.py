"""An objective that misses its target: its page charts the trend and the dashboard flags the miss."""

from __future__ import annotations

import datetime as dt

from tests.web.conftest import ADMIN as WEB_ADMIN
from tests.web.conftest import Hub, sign_in

from openaims.register.services import MeasurementService, ObjectiveService

TODAY = dt.datetime.now(dt.UTC).date()


def test_the_objective_page_charts_the_trend_and_the_dashboard_flags_the_miss(hub: Hub) -> None:
    with hub.db.session() as s:
        objective = ObjectiveService(s, WEB_ADMIN).create(
            {"title": "Chatbot answers correct", "metric": "accuracy", "target_value": 95, "unit": "%",
             "direction": "at_least", "owner": "mia", "due_date": TODAY + dt.timedelta(days=90)},
            status="active")  # fmt: skip
        for days, value in ((-60, 96.0), (-30, 95.5), (-1, 91.0)):
            MeasurementService(s, WEB_ADMIN).create(
                {"objective_id": objective.id, "measured_on": TODAY + dt.timedelta(days=days), "value": value})
    browser, _ = sign_in(hub.app, "vic")
    page = browser.get(f"/r/{objective.id}").text
    assert f"Latest value <strong>91</strong> on {TODAY - dt.timedelta(days=1)} against the target &gt;= 95%" in page
    assert "MISSED" in page
    assert '<title>Chatbot answers correct over time</title>' in page
    assert page.count('class="point-breach"') == 1
    assert page.count('class="point-ok"') == 2
    assert "target threshold 95" in page
    dashboard = browser.get("/").text
    assert 'id="missed-targets"' in dashboard
    row = dashboard.split(f'href="/r/{objective.id}"')[1].split("</tr>")[0]
    assert "Chatbot answers correct" in row
    assert ">91<" in row
