"""CI jobs push scan reports with a scoped API token: POST /api/v1/scans."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import Hub

from openaims.discovery.interface import ScanOptions
from openaims.discovery.report import build_report
from openaims.discovery.scanner import Scanner

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-monorepo"


def _report() -> dict[str, object]:
    return build_report(Scanner(ScanOptions(root=SAMPLE), jobs=1).scan())


def test_push_records_components_and_is_idempotent(hub: Hub) -> None:
    report = _report()
    ci = hub.api("mia", ("scan:push",))
    first = ci.post("/api/v1/scans", json={"repository": "northwind/monorepo", "report": report})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["new"]
    assert body["proposed_system"]
    again = ci.post("/api/v1/scans", json={"repository": "northwind/monorepo", "report": report})
    assert again.status_code == 201
    assert again.json()["new"] == []
    assert sorted(again.json()["seen_again"]) == sorted(body["new"])


def test_push_needs_the_scope(hub: Hub) -> None:
    reader = hub.api("mia", ("read",))
    refused = reader.post("/api/v1/scans", json={"repository": "r", "report": _report()})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_push_refuses_something_that_is_not_a_scan_report(hub: Hub) -> None:
    ci = hub.api("mia", ("scan:push",))
    bad = ci.post("/api/v1/scans", json={"repository": "r", "report": {"findings": []}})
    assert bad.status_code == 400
    assert "not an OpenAIMS scan report" in bad.json()["error"]["message"]
    worse = ci.post(
        "/api/v1/scans",
        json={"repository": "r", "report": {"schema": _report()["schema"], "findings": [{"kind": "nope"}]}},
    )
    assert worse.status_code == 400
    assert "finding 0" in worse.json()["error"]["message"]
