"""The workspace of a clause or Annex A control: requirement text, SoA decision and justification,
readiness with reasons, linked records with titles and history, evidence with download, and the
crosswalk to the NIST AI RMF and the EU AI Act; the readiness page links every row to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.web.conftest import ADMIN, Hub, make_accounts, seed_records, web_settings

from openaims.register.annex_a import seed_annex_a
from openaims.register.db import Database
from openaims.register.services import EvidenceService, SoaService, TreatmentService
from openaims.web.app import create_app


@pytest.fixture
def site(database: Database, tmp_path: Path) -> Hub:
    make_accounts(database)
    app = create_app(database, web_settings=web_settings(evidence_dir=tmp_path / "evidence"))
    hub = Hub(app=app, db=database, records=seed_records(database))
    with database.session() as s:
        seed_annex_a(s)
        treatment = TreatmentService(s, ADMIN).create(
            {"risk_id": hub.records["risk_carl"], "description": "Name an owner for every AI role", "owner": "mia",
             "control_ids": ["A.3.2"]}
        )  # fmt: skip
        soa = SoaService(s, ADMIN)
        row = soa.for_control("A.3.2")
        assert row is not None
        soa.update(row.id, row.version, {"status": "implemented", "owner": "mia", "treatment_ids": [treatment.id],
                                         "justification": "Roles for the chatbot are assigned in the RACI"})  # fmt: skip
        source = tmp_path / "raci.csv"
        source.write_text("role,person\nowner,mia\n")
        store = EvidenceService(s, ADMIN, evidence_dir=tmp_path / "evidence")
        hub.records["file"] = store.add_file(source, title="RACI export", record_ids=[treatment.id]).id
        hub.records["link"] = store.add_link("https://wiki.example/raci", title="RACI page", record_ids=[row.id]).id
        hub.records["treatment"] = treatment.id
        hub.records["soa"] = row.id
    return hub


def test_a_control_workspace_shows_what_an_auditor_needs(site: Hub) -> None:
    c, _ = site.session_client("aude")
    page = c.get("/workspace/A.3.2")
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>A.3.2 <small>AI roles and responsibilities defined</small></h1>" in text
    assert "Defined and allocated roles and responsibilities for AI" in text  # the catalogue's requirement
    assert "Applicable" in text
    assert "Roles for the chatbot are assigned in the RACI" in text
    assert f'<a href="/r/{site.records["soa"]}">{site.records["soa"]}</a>' in text
    treatment = site.records["treatment"]
    assert f'<a href="/r/{treatment}">{treatment}</a> Name an owner for every AI role' in text
    assert f'<a href="/r/{site.records["file"]}/download">Download raci.csv</a>' in text
    assert 'href="https://wiki.example/raci"' in text
    assert "<strong>create</strong> by ada" in text
    assert "<strong>status:implemented</strong> by ada" in text
    readiness = re.search(r'<h2 id="ready">Readiness</h2>(.*?)</section>', text, re.S)
    assert readiness
    assert '<span class="pill' in readiness.group(1)
    crosswalk = text.split('<h2 id="crosswalk">')[1]
    assert "<h3>NIST AI RMF</h3>" in crosswalk
    assert "<h3>EU AI Act</h3>" in crosswalk
    assert '<a href="/workspace/GOVERN%202.1?framework=nist-ai-rmf">GOVERN 2.1</a>' in crosswalk
    assert ">Art. 26</a>" in crosswalk
    download = c.get(f"/r/{site.records['file']}/download")
    assert download.status_code == 200
    assert download.content == b"role,person\nowner,mia\n"


def test_a_clause_workspace_shows_its_documented_information(site: Hub) -> None:
    c, _ = site.session_client("vic")
    text = c.get("/workspace/6.1.2").text
    assert "Documented information to retain: AI risk assessment process (method and criteria)" in text
    assert 'href="/workspace/6?framework=iso42001"' in text  # the clause above it
    assert '<h2 id="soa">' not in text  # clauses have no SoA row


def test_every_readiness_row_links_to_its_workspace(site: Hub) -> None:
    c, _ = site.session_client("aude")
    for framework in ("iso42001", "nist-ai-rmf"):
        page = c.get(f"/readiness?framework={framework}").text
        rows = re.findall(r'<tr id="item-([^"]+)">\s*<td><a href="/workspace/([^"?]+)\?framework=([^"]+)">', page)
        assert len(rows) == page.count('<tr id="item-') > 10
        first = rows[0]
        assert c.get(f"/workspace/{first[1]}?framework={first[2]}").status_code == 200
    nist = c.get("/workspace/GOVERN%202.1?framework=nist-ai-rmf").text
    assert "(<a href=\"/workspace/A.3.2\">A.3.2</a>)" in nist  # the ISO items its readiness comes from


def test_unknown_items_and_views_are_404(site: Hub) -> None:
    c, _ = site.session_client("aude")
    assert c.get("/workspace/A.99.1").status_code == 404
    assert c.get("/workspace/A.3.2?framework=cobit").status_code == 404
    assert "&lt;script&gt;" in c.get("/workspace/<script>").text
