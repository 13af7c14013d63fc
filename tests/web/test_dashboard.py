"""Dashboard figures computed in the database, checked against a register built for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import ADMIN

from openaims.register.db import Database
from openaims.register.services import (
    ComponentService,
    CorrectiveActionService,
    IncidentService,
    NonconformityService,
    RiskService,
    SystemService,
    TreatmentService,
)
from openaims.reports.dashboard import build_dashboard, build_heat_map


def _component(name: str, provider: str | None, kind: str, repository: str) -> dict[str, object]:
    return {"kind": kind, "name": name, "provider": provider, "fingerprint": f"{kind}:{name}",
            "repository": repository, "first_seen": dt.datetime.now(dt.UTC)}  # fmt: skip


def test_dashboard_figures(database: Database) -> None:
    today = dt.datetime.now(dt.UTC).date()
    with database.session() as s:
        systems = SystemService(s, ADMIN)
        systems.create({"name": "Chat", "risk_tier": "high", "lifecycle_stage": "development"})
        systems.create({"name": "Scoring", "risk_tier": "high", "lifecycle_stage": "design"})
        systems.create({"name": "Search", "risk_tier": "minimal", "lifecycle_stage": "development"})
        components = ComponentService(s, ADMIN)
        components.create(_component("openai", "openai", "dependency", "acme/chat"))
        components.create(_component("anthropic", "anthropic", "dependency", "acme/chat"))
        ok = components.create(_component("gpt-4o", "openai", "model", "acme/search"))
        components.transition(ok.id, 1, "approved")
        gone = components.create(_component("old", "cohere", "dependency", "acme/old"))
        components.update(gone.id, 1, {"disappeared": True})
        risks = RiskService(s, ADMIN)
        high = risks.create({"title": "A", "inherent_likelihood": 5, "inherent_impact": 5})
        risks.create({"title": "B", "inherent_likelihood": 1, "inherent_impact": 1})
        risks.create({"title": "C"})
        closed = risks.create({"title": "D", "inherent_likelihood": 5, "inherent_impact": 5})
        risks.transition(closed.id, closed.version, "closed")
        late = TreatmentService(s, ADMIN).create(
            {"risk_id": high.id, "description": "Filter output", "owner": "mia", "due_date": today - dt.timedelta(3)}
        )
        TreatmentService(s, ADMIN).create({"risk_id": high.id, "due_date": today + dt.timedelta(3)})
        nc = NonconformityService(s, ADMIN).create({"title": "Missed review"})
        action = CorrectiveActionService(s, ADMIN).create(
            {"nonconformity_id": nc.id, "description": "Calendar reminders", "due_date": today - dt.timedelta(10)}
        )
        IncidentService(s, ADMIN).create({"title": "Leak", "severity": "high"})
    with database.read() as s:
        d = build_dashboard(s, ADMIN)
        heat = build_heat_map(s, ADMIN)
    assert (d.systems_total, d.components_total, d.unapproved_components) == (3, 3, 2)
    assert [(c.label, c.count) for c in d.systems_by_tier] == [("high", 2), ("minimal", 1)]
    assert [(c.label, c.count) for c in d.systems_by_stage] == [("development", 2), ("design", 1)]
    assert [(c.label, c.count) for c in d.components_by_provider] == [("openai", 2), ("anthropic", 1)]
    assert [(c.label, c.count) for c in d.components_by_kind] == [("dependency", 2), ("model", 1)]
    assert [(c.label, c.count) for c in d.unapproved_by_repository] == [("acme/chat", 2)]
    assert d.open_risks == 3
    rated = {c.label: c.count for c in d.risks_by_rating}
    assert rated["unrated"] == 1
    assert sum(rated.values()) == 3
    assert d.risks_above_appetite == 1
    assert d.heat_map == heat
    assert heat.counts[4][4] == 1
    assert heat.counts[0][0] == 1
    assert sum(map(sum, heat.counts)) == 2  # the closed risk and the unrated one are not on the map
    assert [(o.id, o.days_overdue) for o in d.overdue] == [(action.id, 10), (late.id, 3)]
    assert (d.open_incidents, d.open_nonconformities) == (1, 1)
    assert [(c.label, c.count) for c in d.incidents_by_severity] == [("high", 1)]
    assert d.trend.components_first_seen[-1] == 3
    assert d.trend.changes[-1] == d.history_events


def test_figures_follow_every_write(database: Database) -> None:
    """The figures are kept per history head: a write anywhere shows at once."""
    with database.read() as s:
        before = build_dashboard(s, ADMIN)
    with database.read() as s:
        again = build_dashboard(s, ADMIN)
    assert again.model_dump(exclude={"generated_at"}) == before.model_dump(exclude={"generated_at"})
    with database.session() as s:
        created = SystemService(s, ADMIN).create({"name": "New", "risk_tier": "limited"})
    with database.read() as s:
        after = build_dashboard(s, ADMIN)
    assert after.systems_total == before.systems_total + 1
    assert after.history_events == before.history_events + 1
    with database.session() as s:
        SystemService(s, ADMIN).update(created.id, 1, {"risk_tier": "high"})
    with database.read() as s:
        tiers = {c.label: c.count for c in build_dashboard(s, ADMIN).systems_by_tier}
    assert tiers == {"high": 1}


def test_after_a_write_only_the_figures_reading_the_changed_records_are_recomputed(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed AI system recounts the systems; the component figures are kept, and are
    recounted as soon as a component changes."""
    from openaims.reports import dashboard

    counted: list[str] = []
    group = dashboard._group

    def counting(session: Any, column: Any, *where: Any) -> dict[str, int]:
        counted.append(column.key)
        return group(session, column, *where)

    monkeypatch.setattr(dashboard, "_group", counting)
    with database.session() as s:
        system = SystemService(s, ADMIN).create({"name": "Scorer", "risk_tier": "limited"})
        ComponentService(s, ADMIN).create(_component("openai", "openai", "dependency", "acme/app"))
    with database.read() as s:
        first = build_dashboard(s, ADMIN)
    assert {"risk_tier", "provider"} <= set(counted)

    counted.clear()
    with database.session() as s:
        SystemService(s, ADMIN).update(system.id, 1, {"risk_tier": "high"})
    with database.read() as s:
        second = build_dashboard(s, ADMIN)
    assert "risk_tier" in counted
    assert "provider" not in counted
    assert {c.label: c.count for c in second.systems_by_tier} == {"high": 1}
    assert second.components_by_provider == first.components_by_provider

    counted.clear()
    with database.session() as s:
        ComponentService(s, ADMIN).create(_component("anthropic", "anthropic", "dependency", "acme/app"))
    with database.read() as s:
        third = build_dashboard(s, ADMIN)
    assert "provider" in counted
    assert "risk_tier" not in counted
    assert {c.label: c.count for c in third.components_by_provider} == {"openai": 1, "anthropic": 1}
    assert third.components_total == 2
    with database.read() as s:  # the weekly trend, brought up to date event by event, equals a full count
        recounted = dashboard._compute(s, third.generated_at, 12)
    assert third.trend == recounted.trend
    assert sum(third.trend.changes) == sum(first.trend.changes) + 2


def test_the_server_prepares_the_dashboard_before_anyone_signs_in(hub: Any, monkeypatch: Any) -> None:
    """Started by ``aims serve``, the application works out the dashboard and readiness for the
    register as it is in a background thread; the first dashboard after sign-in is served from
    that result, and a write still makes the next dashboard recompute."""
    from tests.web.conftest import sign_in

    from openaims.readiness import dashboard as readiness_cache
    from openaims.reports import dashboard as figures
    from openaims.web import warmup

    readiness_cache.clear_cache()
    warmup.warm(hub.app)
    computed: list[str] = []
    real_compute, real_readiness = figures._compute, readiness_cache.readiness
    monkeypatch.setattr(figures, "_compute", lambda *a, **k: computed.append("figures") or real_compute(*a, **k))
    monkeypatch.setattr(readiness_cache, "readiness",
                        lambda *a, **k: computed.append("readiness") or real_readiness(*a, **k))  # fmt: skip
    page, _ = sign_in(hub.app, "mia")
    reply = page.get("/")
    assert reply.status_code == 200
    assert "Readiness" in reply.text
    assert computed == []
    with hub.db.session() as session:
        SystemService(session, ADMIN).create({"name": "Claims triage", "owner": "mia"})
    assert page.get("/").status_code == 200
    assert computed == ["figures", "readiness"]


def test_a_crosswalk_is_worked_out_once_per_item() -> None:
    from openaims.frameworks.loader import crosswalk, load_catalogue

    catalogue = load_catalogue()
    first = catalogue.crosswalk("A.6.2.4")
    assert catalogue.crosswalk("A.6.2.4") is first
    assert first == crosswalk("A.6.2.4", catalogue=catalogue)
    assert {r.item.framework for r in first.related} >= {"nist-ai-rmf"}
