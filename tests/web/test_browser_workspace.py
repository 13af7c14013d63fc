"""Journeys of evidence, the Statement of Applicability and the control workspace in a real
browser (Playwright driving Debian's Chromium) against ``aims serve`` on a temporary SQLite
register: upload evidence from a record and download it as the auditor, approve the SoA and
download its PDF, go from the readiness page to a control's proving records as the auditor.

Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.web.test_browser import AIMS, BROWSER_TIMEOUT_MS, CHROME_ARGS, CHROMIUM, serving, shot, signed_in

from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.services import EvidenceService, SoaService, SoaVersionService, SystemService, TreatmentService
from openaims.register.services.accounts import AccountService
from openaims.register.services.risks import RiskService

pytestmark = pytest.mark.browser

#: Built at test time (nothing password-shaped committed as a literal).
PASSWORD = "-".join(["workspace", "journey", "secret"])


@dataclass
class Site:
    url: str
    db: Database
    browser: Any
    home: Path
    records: dict[str, str]

    def page_as(self, username: str) -> Any:
        context = self.browser.new_context(viewport={"width": 1366, "height": 900}, base_url=self.url,
                                           accept_downloads=True)  # fmt: skip
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        signed_in(page, self.url + "/", username)
        return page


def _register(db: Database) -> dict[str, str]:
    """Accounts (an admin, an AIMS manager, an auditor), a system with a risk and a treatment for
    A.3.2, and a Statement of Applicability complete enough to approve."""
    admin = Actor("chief", frozenset({Role.ADMIN}))
    with db.session() as session:
        accounts = AccountService(session, admin)
        accounts.create("chief", PASSWORD, roles=["admin"], display_name="Chief Administrator")
        accounts.create("maria", PASSWORD, roles=["aims_manager"], display_name="Maria Lopez")
        accounts.create("ana", PASSWORD, roles=["auditor"], display_name="Ana Novak")
        system = SystemService(session, admin).create(
            {"name": "Claims triage assistant", "owner": "maria", "purpose": "Sort incoming claims",
             "intended_use": "Claims handlers review every suggestion"}
        )  # fmt: skip
        risk = RiskService(session, admin).create({"title": "Unclear AI roles", "owner": "maria",
                                                   "system_ids": [system.id]})  # fmt: skip
        treatment = TreatmentService(session, admin).create(
            {"risk_id": risk.id, "description": "Assign an accountable owner per AI role", "owner": "maria",
             "control_ids": ["A.3.2"]}
        )  # fmt: skip
        soa = SoaService(session, admin)
        for row in soa.all():
            changes: dict[str, Any] = {"status": "planned", "justification": f"{row.title}: needed for claims triage"}
            if row.control_id == "A.3.2":
                changes["treatment_ids"] = [treatment.id]
            soa.update(row.id, row.version, changes)
    return {"system": system.id, "treatment": treatment.id}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("workspace")
    url = f"sqlite:///{home / 'aims.db'}"
    env = {**os.environ, "AIMS_DATABASE_URL": url, "AIMS_EVIDENCE_DIR": str(home / "evidence"),
           "AIMS_SECRET_KEY": "browser-tests-" + "w" * 32, "AIMS_EVIDENCE_UPLOAD_MAX_MB": "1",
           "AIMS_LOGIN_ATTEMPTS_PER_MINUTE": "1000"}  # fmt: skip
    subprocess.run([str(AIMS), "init"], cwd=home, env=env, check=True, capture_output=True)
    db = Database(url)
    records = _register(db)
    try:
        with serving(home, env) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
            yield Site(url=base, db=db, browser=browser, home=home, records=records)
            browser.close()
    finally:
        db.dispose()


def test_upload_evidence_from_a_record_and_the_auditor_downloads_it(site: Site, tmp_path: Path) -> None:
    system = site.records["system"]
    report = tmp_path / "bias-test-report.pdf"
    report.write_bytes(b"%PDF-1.4\n% bias test of the claims triage assistant\n" + os.urandom(2048))
    page = site.page_as("maria")
    page.goto(f"/r/{system}")
    page.click("text=Upload a file or add a link")
    page.wait_for_url(f"**/records/evidence/new?record_ids={system}")
    assert page.input_value("#f-record_ids") == system
    page.set_input_files("#f-file", str(report))
    page.fill("#f-title", "Bias test report, March")
    shot(page, "ws-01-evidence-upload")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/r/EVD-*")
    evidence_id = page.url.rsplit("/", 1)[-1]
    with site.db.read() as session:
        item = EvidenceService(session, "chief").get(evidence_id)
    assert item.title == "Bias test report, March"
    assert item.filename == "bias-test-report.pdf"
    assert item.record_ids == [system]
    assert item.sha256 == hashlib.sha256(report.read_bytes()).hexdigest()

    too_big = tmp_path / "training-sample.csv"
    too_big.write_bytes(b"a,b\n" * (300 * 1024))
    page.goto(f"/records/evidence/new?record_ids={system}")
    page.set_input_files("#f-file", str(too_big))
    page.fill("#f-title", "Training sample")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(".message.bad")
    assert "larger than 1 MiB" in page.inner_text(".message.bad")
    assert page.input_value("#f-title") == "Training sample"
    shot(page, "ws-02-evidence-too-large")
    page.context.close()

    auditor = site.page_as("ana")
    auditor.goto(f"/r/{system}")
    assert auditor.locator("text=Upload a file or add a link").count() == 0
    with auditor.expect_download() as info:
        auditor.click("text=Download bias-test-report.pdf")
    download = info.value
    assert download.suggested_filename == "bias-test-report.pdf"
    assert Path(download.path()).read_bytes() == report.read_bytes()
    auditor.context.close()


def test_the_manager_approves_the_soa_and_downloads_its_pdf(site: Site) -> None:
    page = site.page_as("maria")
    page.goto("/soa")
    page.fill("#change_summary", "First approved SoA for the claims triage assistant")
    page.check("input[name=confirm]")
    shot(page, "ws-03-soa-approve")
    page.click("form[action='/soa/approve'] button[type=submit]")
    page.wait_for_url("**/soa/versions/1")
    assert page.locator("#soa-rows tbody tr").count() == 38
    assert "Maria Lopez" in page.inner_text("main") or "maria" in page.inner_text("main")
    shot(page, "ws-04-soa-version")
    with page.expect_download() as info:
        page.click("text=Export (PDF)")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    with site.db.read() as session:
        version = SoaVersionService(session, "chief").get_by_number(1)
    assert version.approver == "maria"
    assert version.change_summary == "First approved SoA for the claims triage assistant"
    page.context.close()


def test_the_auditor_goes_from_readiness_to_a_control_and_its_proving_records(site: Site) -> None:
    page = site.page_as("ana")
    page.goto("/readiness?q=A.3.2")
    page.click("#item-A\\.3\\.2 a")
    page.wait_for_url("**/workspace/A.3.2?framework=iso42001")
    text = page.inner_text("main")
    assert "Defined and allocated roles and responsibilities for AI" in text
    assert "responsibilities defined: needed for claims triage" in text  # the SoA justification
    assert "GOVERN 2.1" in text
    assert "Art. 26" in text
    shot(page, "ws-05-control-workspace")
    page.click(f"a[href='/r/{site.records['treatment']}'] >> nth=0")
    page.wait_for_url(f"**/r/{site.records['treatment']}")
    assert "Assign an accountable owner per AI role" in page.inner_text("main")
    page.context.close()
