"""Dashboard figures computed in the database, checked against a register built for it."""

from __future__ import annotations

import datetime as dt

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
        systems.create({"name": "Chat", "risk_tier": "high", "lifecycle_stage": "operation"})
        systems.create({"name": "Scoring", "risk_tier": "high", "lifecycle_stage": "design"})
        systems.create({"name": "Search", "risk_tier": "minimal", "lifecycle_stage": "operation"})
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
    assert [(c.label, c.count) for c in d.systems_by_stage] == [("operation", 2), ("design", 1)]
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
