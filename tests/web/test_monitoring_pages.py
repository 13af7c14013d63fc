"""Monitoring on the web: the dashboard shows a system in breach, its page charts stored results with
threshold lines, fairness per group and drift per feature; a CI token pushes values by API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.monitoring.kit import frame, plan, write
from tests.web.conftest import ADMIN, PASSWORD, Hub, sign_in

from openaims.register.monitoring import evaluate, push, review_warnings
from openaims.register.services.accounts import AccountService
from openaims.register.services.monitoring_plans import MonitoringPlanService

DISPARATE = {"18-30": 0.3, "31-50": 0.55, "51+": 0.6}


def _monitored(hub: Hub, tmp_path: Path) -> str:
    system_id = hub.records["system"]
    reference = write(frame(seed=1), tmp_path / "reference.parquet")
    with hub.db.session() as session:
        MonitoringPlanService(session, ADMIN).put_for_system(system_id, plan())
        for month in (1, 2, 3):
            rates = DISPARATE if month == 3 else None
            batch = write(frame(seed=month + 10, rates=rates), tmp_path / f"m{month}.csv")
            evaluate(session, ADMIN, system_id, batch, reference=reference,
                     at=dt.datetime(2026, month, 28, tzinfo=dt.UTC))  # fmt: skip
    return system_id


def test_the_dashboard_shows_the_system_in_breach_and_its_page_charts_the_results(hub: Hub, tmp_path: Path) -> None:
    system_id = _monitored(hub, tmp_path)
    browser, _csrf = sign_in(hub.app, "vic")
    dashboard = browser.get("/").text
    assert 'id="monitoring"' in dashboard
    assert f'href="/monitoring/{system_id}"' in dashboard
    row = dashboard.split(f'href="/monitoring/{system_id}"')[1].split("</tr>")[0]
    assert ">breach" in row
    assert "approval_gap (age_band)" in row
    assert "INC-1" in row
    page = browser.get(f"/monitoring/{system_id}")
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") >= 5
    assert '<title>approval_gap (age_band)</title>' in html
    assert "threshold-breach" in html
    assert "breach threshold 0.1" in html
    assert html.count('class="point-breach"') >= 1
    assert "approval_rate per group" in html
    assert "18-30" in html
    assert "51+" in html
    assert "income_psi per feature" in html


def test_a_ci_token_pushes_a_value_and_a_viewer_may_not(hub: Hub, tmp_path: Path) -> None:
    system_id = _monitored(hub, tmp_path)
    with hub.db.session() as session:
        AccountService(session, ADMIN).create("cici", PASSWORD, roles=["ci"], display_name="CI")
    ci = hub.api("cici", ("scan:push",))
    answer = ci.post(f"/api/v1/monitoring/{system_id}/values", json={"metric": "latency_ms", "value": 950})
    assert answer.status_code == 201, answer.text
    [result] = answer.json()["results"]
    assert result["level"] == "breach"
    assert answer.json()["incidents_opened"]
    unknown = ci.post(f"/api/v1/monitoring/{system_id}/values", json={"metric": "throughput", "value": 1})
    assert unknown.status_code in (400, 422)
    assert "throughput" in unknown.text
    viewer = hub.api("vic", ("read",))
    refused = viewer.post(f"/api/v1/monitoring/{system_id}/values", json={"metric": "latency_ms", "value": 1})
    assert refused.status_code == 403
    [state] = viewer.get("/api/v1/monitoring").json()
    assert state["system_id"] == system_id
    assert state["level"] == "breach"


def test_the_monitoring_page_lists_each_stored_value_with_its_source_and_time(hub: Hub, tmp_path: Path) -> None:
    system_id = _monitored(hub, tmp_path)
    with hub.db.session() as session:
        push(session, ADMIN, system_id, "latency_ms", 420, at=dt.datetime(2026, 4, 2, 8, 30, tzinfo=dt.UTC))
    browser, _csrf = sign_in(hub.app, "vic")
    html = browser.get(f"/monitoring/{system_id}").text
    table = html.split("<h2>Recorded values</h2>")[1]
    first = table.split("<tbody>")[1].split("</tr>")[0]
    assert "2026-04-02 08:30" in first
    assert "latency_ms" in first
    assert "<td>push</td>" in first
    assert "not reviewed yet" in first
    assert table.count("<td>evaluate</td>") >= 3
    assert "m3.csv" in table
    assert 'href="/r/INC-1"' in table
    with hub.db.session() as session:
        review_warnings(session, ADMIN, system_id, "Batch job overlapped the nightly backup")
    table = browser.get(f"/monitoring/{system_id}").text.split("<h2>Recorded values</h2>")[1]
    assert f"reviewed by {ADMIN.name} on " in table
    assert "Batch job overlapped the nightly backup" in table
    assert "not reviewed yet" not in table
