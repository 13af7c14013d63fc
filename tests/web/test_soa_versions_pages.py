"""SoA versions in the browser: the manager approves the working draft as the signed-in person,
each version shows its rows as a table and exports as PDF and xlsx, two versions are compared
row by row, and an incomplete draft is refused on the page with what is missing."""

from __future__ import annotations

import io

from tests.web.conftest import ADMIN, Hub

from openaims.register import history
from openaims.register.annex_a import seed_annex_a
from openaims.register.services import SoaService, SoaVersionService


def _complete_draft(hub: Hub) -> None:
    with hub.db.session() as s:
        seed_annex_a(s)
        soa = SoaService(s, ADMIN)
        for row in soa.all():
            soa.update(row.id, row.version, {"status": "planned", "justification": f"{row.title}: needed for our chatbot"})


def test_an_incomplete_draft_is_refused_on_the_page_with_what_is_missing(hub: Hub) -> None:
    with hub.db.session() as s:
        seed_annex_a(s)
    c, csrf = hub.session_client("mia")
    page = c.get("/soa").text
    assert "Not ready to approve:" in page
    assert 'action="/soa/approve"' not in page
    response = c.post("/soa/approve", data={"csrf_token": csrf, "confirm": "yes"})
    assert response.status_code == 422
    assert "Not approved: The Statement of Applicability cannot be approved while rows are incomplete" in response.text
    assert '<nav class="side"' in response.text
    with hub.db.session() as s:
        assert SoaVersionService(s, ADMIN).all() == []


def test_the_manager_approves_versions_that_show_as_tables_compare_and_export(hub: Hub) -> None:
    from openpyxl import load_workbook

    _complete_draft(hub)
    c, csrf = hub.session_client("mia")
    assert 'action="/soa/approve"' in c.get("/soa").text
    unconfirmed = c.post("/soa/approve", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422
    first = c.post("/soa/approve", data={"csrf_token": csrf, "confirm": "yes", "change_summary": "First issue"})
    assert first.status_code == 303
    assert first.headers["location"] == "/soa/versions/1"
    with hub.db.session() as s:
        row = SoaService(s, ADMIN).for_control("A.5.2")
        assert row is not None
        SoaService(s, ADMIN).update(row.id, row.version, {"applicable": False, "justification": "No AI risk process of our own"})
        version_1 = SoaVersionService(s, ADMIN).get_by_number(1)
        events = history.events_for(s, version_1.id)
    assert [e.action for e in events] == ["approve"]
    assert events[0].actor == "mia"
    again = c.post("/soa/approve", data={"csrf_token": csrf, "confirm": "yes", "change_summary": "A.5.2 excluded"})
    assert again.headers["location"] == "/soa/versions/2"

    auditor, _ = hub.session_client("aude")
    page = auditor.get("/soa/versions/1")
    assert page.status_code == 200
    assert page.text.count('<td><a href="/workspace/A.') == 38  # a table of the rows, not JSON
    assert "approved by Mia" in page.text or "approved by mia" in page.text
    assert "&#34;control_id&#34;" not in page.text
    assert '"control_id"' not in page.text
    listing = auditor.get("/soa/versions").text
    assert "First issue" in listing
    assert "A.5.2 excluded" in listing
    assert "superseded" in listing
    diff = auditor.get("/soa/compare?older=1&newer=2")
    assert diff.status_code == 200
    assert "1 control changed" in diff.text
    assert '<a href="/workspace/A.5.2">A.5.2</a>' in diff.text
    assert "<del>yes</del>" in diff.text
    assert "<ins>no</ins>" in diff.text
    assert "No AI risk process of our own" in diff.text

    pdf = auditor.get("/soa/versions/1/export.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert "statement-of-applicability-v1.pdf" in pdf.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(auditor.get("/soa/versions/2/export.xlsx").content)).active
    cells = [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]
    assert "No AI risk process of our own" in cells
    assert auditor.get("/soa/versions/9").status_code == 404
    assert auditor.get("/soa/versions/1/export.txt").status_code == 404


def test_contributors_and_auditors_cannot_approve(hub: Hub) -> None:
    _complete_draft(hub)
    for username in ("carl", "aude"):
        c, csrf = hub.session_client(username)
        assert 'action="/soa/approve"' not in c.get("/soa").text
        assert c.post("/soa/approve", data={"csrf_token": csrf, "confirm": "yes"}).status_code == 403
    with hub.db.session() as s:
        assert SoaVersionService(s, ADMIN).all() == []


def test_compare_needs_two_versions(hub: Hub) -> None:
    c, _ = hub.session_client("aude")
    assert c.get("/soa/compare").status_code == 404
    assert "No version has been approved yet" in c.get("/soa/versions").text
