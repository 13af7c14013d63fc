"""Checks on hand-made snapshots: SoA approval through frozen versions, and rule-set validation."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from openaims.frameworks.loader import CatalogueError, load_catalogue
from openaims.readiness import engine
from openaims.readiness.checks import CHECKS
from openaims.readiness.model import Status
from openaims.readiness.snapshot import Snapshot

TODAY = dt.date(2026, 11, 23)
CONTROLS = [c.id for c in load_catalogue().framework("iso42001").of_kind("control")]


def soa_rows() -> list[Any]:
    return [
        SimpleNamespace(id=f"SOA-{c}", control_id=c, applicable=True, status="implemented", justification="Needed")
        for c in CONTROLS
    ]


def version(rows: list[Any]) -> Any:
    frozen = [{"control_id": r.control_id, "applicable": r.applicable, "status": r.status,
               "justification": r.justification} for r in rows]  # fmt: skip
    return SimpleNamespace(id="SOAV-1", number=1, status="approved", approver="dana", approved_on=TODAY, rows=frozen)


def test_soa_is_met_when_the_live_rows_match_the_approved_version() -> None:
    rows = soa_rows()
    snap = Snapshot({"soa_entry": tuple(rows), "soa_version": (version(rows),)}, TODAY)
    result = CHECKS["soa_complete"](snap, {})
    assert result.status is Status.MET
    assert "SoA version 1 (SOAV-1) approved by dana on 2026-11-23" in result.reason
    assert "SOAV-1" in result.links


def test_soa_rows_changed_after_approval_make_it_partial() -> None:
    rows = soa_rows()
    approved = version(rows)
    rows[5].status = "planned"
    snap = Snapshot({"soa_entry": tuple(rows), "soa_version": (approved,)}, TODAY)
    result = CHECKS["soa_complete"](snap, {})
    assert result.status is Status.PARTIAL
    assert result.reason.endswith(f"but rows changed since: {CONTROLS[5]}")


def test_without_any_approval_the_soa_is_partial() -> None:
    snap = Snapshot({"soa_entry": tuple(soa_rows())}, TODAY)
    result = CHECKS["soa_complete"](snap, {})
    assert result.status is Status.PARTIAL
    assert "no approved Statement of Applicability in the document register" in result.reason


def test_a_rule_set_missing_a_control_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine._Rules.model_validate

    def drop_last(data: Any) -> Any:
        data = dict(data)
        data["rules"] = [r for r in data["rules"] if r["id"] != "A.10.4"]
        return real(data)

    monkeypatch.setattr(engine._Rules, "model_validate", drop_last)
    engine.load_rules.cache_clear()
    try:
        with pytest.raises(CatalogueError, match=r"missing \['A\.10\.4'\]"):
            engine.load_rules()
    finally:
        monkeypatch.undo()
        engine.load_rules.cache_clear()


def test_every_rule_names_known_checks_and_covers_all_items() -> None:
    rules = engine.load_rules()
    assert len(rules.rules) == 70
    assert {c.check for r in rules.rules for c in r.checks} <= set(CHECKS)


def _assessment(groups: list[Any], areas: dict[str, Any]) -> Any:
    return SimpleNamespace(id="IA-1", system_id="SYS-1", status="approved", assessed_on=TODAY, next_review=None,
                           stale_reasons=[], impacted_groups=groups, areas=areas)  # fmt: skip


@pytest.mark.parametrize(
    ("groups", "areas", "a54", "a55"),
    [
        ([SimpleNamespace(severity=4, likelihood=2)], {}, Status.MET, Status.MISSING),
        ([SimpleNamespace(severity=None, likelihood=None)], {}, Status.MISSING, Status.MISSING),
        ([], {"society": {}}, Status.MISSING, Status.MET),
        ([], {"fairness": {}}, Status.MET, Status.MISSING),
    ],
)
def test_a_5_4_is_met_by_rated_groups_or_individual_areas_and_a_5_5_by_societal_areas(
    groups: list[Any], areas: dict[str, Any], a54: Status, a55: Status
) -> None:
    snap = Snapshot({"system": (SimpleNamespace(id="SYS-1", status="operation"),),
                     "impact_assessment": (_assessment(groups, areas),)}, TODAY)  # fmt: skip
    rules = {r.id: r for r in engine.load_rules().rules}
    params = {c: engine._params(rules[c].checks[0]) for c in ("A.5.4", "A.5.5")}
    assert CHECKS["systems_impact_assessed"](snap, params["A.5.4"]).status is a54
    assert CHECKS["systems_impact_assessed"](snap, params["A.5.5"]).status is a55
