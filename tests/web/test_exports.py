"""Downloads from the pages: the CSV of a register runs no formula in a spreadsheet, and the
Stage 1 PDF of a large register is a PDF, not an error page."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import ADMIN, Hub

from openaims.register.exchange.cells import TRIGGERS
from openaims.register.services import ComponentService, RiskService

HOSTILE = ['=HYPERLINK("https://evil.example","Evidence")', "+1+1", "-1+1", "@SUM(1)"]


def test_register_csv_download_defuses_formula_cells(hub: Hub) -> None:
    with hub.db.session() as session:
        for text in HOSTILE:
            RiskService(session, ADMIN).create({"title": text, "owner": "carl", "description": text})
    c, _ = hub.session_client("aude")
    download = c.get("/records/risk/export.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.text)))
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if cell[:1] in TRIGGERS] == []
    for text in HOSTILE:
        assert cells.count("'" + text) == 2  # title and description


def test_stage1_pdf_of_a_register_with_hundreds_of_linked_records(hub: Hub) -> None:
    with hub.db.session() as session:
        components = ComponentService(session, ADMIN)
        for i in range(300):
            component = components.create(
                {"kind": "dependency", "name": f"sdk-{i}", "ecosystem": "pypi", "provider": "openai",
                 "fingerprint": f"dep:pypi:sdk-{i}", "repository": "github.com/acme/chat"}
            )  # fmt: skip
            components.update(component.id, component.version, {"status": "approved"})
    c, _ = hub.session_client("aude")
    pdf = c.get("/readiness/stage1.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
