"""The web SoA page: every row (the 38 Annex A controls a register starts with), evidence linked from
either side, and the approver by name and role, on the page and in its exports."""

from __future__ import annotations

import io

from tests.web.conftest import ADMIN, Hub

from openaims.register.actors import Actor, Role
from openaims.register.annex_a import seed_annex_a
from openaims.register.services import EvidenceService, PersonService, SoaService, SoaVersionService


def test_the_soa_page_lists_every_row_with_evidence_from_either_side_and_the_approver(hub: Hub) -> None:
    from openpyxl import load_workbook

    with hub.db.session() as s:
        seed_annex_a(s)
        PersonService(s, ADMIN).create({"name": "Mia Schmidt", "username": "mia", "job_title": "Head of AI Governance"})
        evidence = EvidenceService(s, ADMIN).add_link(
            "https://wiki.example/ai-policy", title="Board minutes approving the AI policy", record_ids=["SOA-A.2.2"]
        )
        soa = SoaService(s, ADMIN)
        for row in soa.all():
            status = "implemented" if row.control_id == "A.2.2" else "planned"
            soa.update(row.id, row.version, {"status": status, "justification": f"{row.title}, for our reasons"})
        SoaVersionService(s, Actor("mia", frozenset({Role.AIMS_MANAGER}))).approve()
    c, _ = hub.session_client("aude")
    page = c.get("/soa")
    assert page.status_code == 200
    assert page.text.count('<tr>\n    <td><a href="/r/SOA-') == 38
    assert f'<a href="/r/{evidence.id}">{evidence.id}</a>' in page.text
    assert "approved by Mia Schmidt (Head of AI Governance) on " in page.text
    assert '<a href="/soa" aria-current="page">SoA</a>' in page.text
    xlsx = c.get("/soa/export.xlsx")
    assert xlsx.status_code == 200
    stamp = str(load_workbook(io.BytesIO(xlsx.content)).active["A2"].value)
    assert "approved by Mia Schmidt (Head of AI Governance) on " in stamp
    pdf = c.get("/soa/export.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert c.get("/soa/export.txt").status_code == 404


def test_a_fresh_register_shows_38_rows_not_assessed(hub: Hub) -> None:
    with hub.db.session() as s:
        seed_annex_a(s)
    c, _ = hub.session_client("aude")
    page = c.get("/soa").text
    assert "38 controls; 38 not assessed." in page
    assert "Not approved yet: a working draft." in page
