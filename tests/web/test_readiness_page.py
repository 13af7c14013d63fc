"""The readiness page: every clause and control with status, reasons and record links, a framework
selector, the dashboard summary by clause group, the Stage 1 exports, and sign-in required."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.web.conftest import ADMIN, Hub, client

from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, load_catalogue
from openaims.readiness import summary_for_dashboard
from openaims.register.actors import Actor, Role
from openaims.register.services import ContextIssueService, InterestedPartyService, ScopeService

CONTROLS = [c.id for c in load_catalogue().framework("iso42001").of_kind("control")]
_ROW = re.compile(r'<tr id="item-([^"]+)">\s*<td>.*?</td>\s*<td><span class="pill (\w+)">([^<]+)</span>', re.S)


def rows(page: str) -> dict[str, str]:
    return {html.unescape(m.group(1)): m.group(3) for m in _ROW.finditer(page)}


def test_every_clause_and_control_with_status_and_the_nav_link(hub: Hub) -> None:
    c, _ = hub.session_client("aude")
    page = c.get("/readiness")
    assert page.status_code == 200
    found = rows(page.text)
    assert list(found) == [*ISO42001_LEAF_CLAUSES, *CONTROLS]
    assert found["4.3"] == "missing"
    assert '<a href="/readiness" aria-current="page">Readiness</a>' in page.text
    assert "<li>no AIMS scope is recorded</li>" in page.text
    assert '<option value="nist-ai-rmf" >NIST AI RMF</option>' in page.text
    assert '<option value="iso42001" selected>ISO/IEC 42001</option>' in page.text


def test_statuses_and_links_follow_the_records(hub: Hub) -> None:
    c, _ = hub.session_client("vic")
    assert rows(c.get("/readiness").text)["4.3"] == "missing"
    with hub.db.session() as session:
        ContextIssueService(session, ADMIN).create({"title": "Customers expect human support", "kind": "external"})
        InterestedPartyService(session, ADMIN).create(
            {"name": "Customers", "requirements": [{"requirement": "Reach a person on request"}]}
        )
        scope = ScopeService(session, ADMIN).create(
            {"title": "AIMS scope", "statement": "Support AI", "included_system_ids": [hub.records["system"]],
             "units": ["Support"], "system_roles": {hub.records["system"]: ["deployer"]}},
        )  # fmt: skip
        scope = ScopeService(session, Actor("mia", frozenset({Role.AIMS_MANAGER}))).approve_record(scope.id, 1)
    page = c.get("/readiness").text
    assert rows(page)["4.3"] == "met"
    assert f'<a href="/r/{scope.id}">{scope.id}</a>' in page


def test_framework_selector_and_unknown_framework(hub: Hub) -> None:
    c, _ = hub.session_client("aude")
    nist = c.get("/readiness", params={"framework": "nist-ai-rmf"})
    assert nist.status_code == 200
    assert "MEASURE 2.3" in rows(nist.text)
    assert '<option value="nist-ai-rmf" selected>NIST AI RMF</option>' in nist.text
    act = c.get("/readiness", params={"framework": "eu-ai-act"})
    assert act.status_code == 200
    assert "Art.9" in rows(act.text)
    assert c.get("/readiness", params={"framework": "cobit"}).status_code == 404


def test_dashboard_shows_readiness_by_clause_group(hub: Hub) -> None:
    c, _ = hub.session_client("vic")
    page = c.get("/").text
    assert "Readiness by clause group" in page
    for label in ("Clause 4", "Clause 10", "Annex A"):
        assert f">{label}<" in page
    with hub.db.read() as session:
        summary = summary_for_dashboard(session, ADMIN)
    assert [s.label for s in summary] == [f"Clause {g}" for g in range(4, 11)] + ["Annex A"]
    assert all(0 <= s.count <= 100 for s in summary)
    assert summary[-1].total == 38


def test_sign_in_is_required(hub: Hub) -> None:
    response = client(hub.app).get("/readiness")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/readiness"
    assert client(hub.app).get("/readiness/stage1.pdf").status_code == 303


def test_stage1_exports(hub: Hub, tmp_path: Path) -> None:
    c, _ = hub.session_client("aude")
    page = c.get("/readiness/stage1.html", params={"organisation": "Acme"})
    assert page.status_code == 200
    assert "<h1>Acme: Stage 1 readiness report</h1>" in page.text
    # The app's content security policy allows no inline style: the page links its stylesheet.
    assert "<style" not in page.text
    assert '<link rel="stylesheet" href="/readiness/stage1.css">' in page.text
    css = c.get("/readiness/stage1.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".pill" in css.text
    assert c.get("/readiness/stage1.xlsx").status_code == 404
    docx = c.get("/readiness/stage1.docx")
    assert docx.status_code == 200
    assert docx.content.startswith(b"PK")
    pdf = c.get("/readiness/stage1.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    target = tmp_path / "stage1.pdf"
    target.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "Our organisation - Stage 1 readiness report" in " ".join(text.split())


def test_items_are_searched_and_filtered_by_status(hub: Hub) -> None:
    c, _ = hub.session_client("aude")
    everything = rows(c.get("/readiness").text)
    found = rows(c.get("/readiness", params={"q": "scope"}).text)
    assert found
    assert "4.3" in found
    assert len(found) < len(everything)
    missing = rows(c.get("/readiness", params={"status": "missing"}).text)
    assert set(missing.values()) == {"missing"}
    assert set(missing) == {k for k, v in everything.items() if v == "missing"}
    assert rows(c.get("/readiness", params={"q": "no item says this"}).text) == {}
