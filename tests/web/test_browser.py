"""Journeys in a real browser (Playwright driving Debian's Chromium) against
``aims serve`` on a temporary SQLite register loaded with ``aims demo-data``.

Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.services import DocumentService, DocumentVersionService
from openaims.register.services.accounts import AccountService
from openaims.reports.dashboard import build_dashboard

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
AIMS = Path(sys.executable).with_name("aims")
#: Built at test time (nothing password-shaped committed as a literal).
PASSWORD = "-".join(["browser", "journey", "secret"])
#: --disable-dev-shm-usage: a container's small /dev/shm otherwise stalls the renderer on large pages.
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip

if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(home: Path, env: dict[str, str]) -> Iterator[str]:
    """``aims serve`` on a free port in ``home`` (its messages in ``home/serve.log``), once it
    answers; yields its base URL and stops it afterwards."""
    port = _free_port()
    with (home / "serve.log").open("w") as log:
        server = subprocess.Popen([str(AIMS), "serve", "--port", str(port)], cwd=home, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("aims serve did not start")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


#: How long a browser step may wait for a page (Playwright's default is 30 s).
BROWSER_TIMEOUT_MS = 120_000


@dataclass
class Site:
    url: str
    db: Database
    browser: Any
    records: dict[str, str]

    def page_as(self, username: str) -> Any:
        context = self.browser.new_context(viewport={"width": 1366, "height": 900}, base_url=self.url)
        # A loaded test machine can take long to serve a page; a real hang still fails.
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        signed_in(page, self.url + "/", username)
        return page


def signed_in(page: Any, url: str, username: str) -> None:
    """Wait for the page to reach ``url`` after signing in; if it does not, fail with what the
    page shows instead (an error message, a refused sign-in) and keep a screenshot of it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(url)
    except PlaywrightTimeout:
        shot(page, f"sign-in-failed-{username}")
        shown = page.evaluate("document.body ? document.body.innerText.slice(0, 400) : ''")
        pytest.fail(f"signing in as {username} did not reach {url}: the page is {page.url}, showing {shown!r}")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("hub")
    url = f"sqlite:///{home / 'aims.db'}"
    env = {**os.environ, "AIMS_DATABASE_URL": url, "AIMS_EVIDENCE_DIR": str(home / "evidence"),
           "AIMS_SECRET_KEY": "browser-tests-" + "k" * 32, "AIMS_LOGIN_ATTEMPTS_PER_MINUTE": "1000"}  # fmt: skip
    subprocess.run([str(AIMS), "init"], cwd=home, env=env, check=True, capture_output=True)
    with serving(home, env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        # First run: the sign-in page sends the first visitor to set up the administrator.
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=base)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        page.goto("/")
        page.wait_for_url(base + "/setup")
        page.fill("#username", "chief")
        page.fill("#display_name", "Chief Administrator")
        page.fill("#password", PASSWORD)
        page.fill("#confirm", PASSWORD)
        shot(page, "01-setup")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        setup_landed = page.locator("h1").inner_text()
        context.close()
        subprocess.run([str(AIMS), "demo-data"], cwd=home, env=env, check=True, capture_output=True)
        db = Database(url)
        records = _accounts_and_records(db)
        records["setup_landed"] = setup_landed
        yield Site(url=base, db=db, browser=browser, records=records)
        browser.close()
        db.dispose()


def _accounts_and_records(db: Database) -> dict[str, str]:
    chief = Actor("chief", frozenset({Role.ADMIN}))
    with db.session() as session:
        accounts = AccountService(session, chief)
        accounts.create("maria", PASSWORD, roles=["aims_manager"], display_name="Maria Lopez")
        accounts.create("ana", PASSWORD, roles=["auditor"], display_name="Ana Novak")
        document = DocumentService(session, chief).create({"title": "AI acceptable use standard", "owner": "maria"})
        version = DocumentVersionService(session, chief).create(
            {"document_id": document.id, "content": "Only approved AI providers may process customer data.",
             "author": "chief", "next_review": dt.date.today() + dt.timedelta(days=365)},
            status="in_review",
        )  # fmt: skip
    return {"version": version.id}


def test_first_login_lands_on_the_dashboard(site: Site) -> None:
    assert site.records["setup_landed"] == "Dashboard"
    with site.db.read() as session:
        assert AccountService(session).get("chief").roles == ["admin"]


def test_dashboard_shows_figures_and_charts(site: Site) -> None:
    page = site.page_as("chief")
    tiles = page.locator("[aria-label='Key figures'] .tile strong").all_inner_texts()
    assert len(tiles) == 8
    with site.db.read() as session:
        figures = build_dashboard(session, Actor("chief", frozenset({Role.ADMIN})))
    expected = [figures.systems_total, figures.components_total, figures.unapproved_components, figures.open_risks]
    assert tiles[:4] == [str(n) for n in expected]
    assert figures.monitoring is not None  # the sample monitors its credit scoring model
    monitored = page.locator("[aria-label='Monitoring figures'] .tile strong").all_inner_texts()
    assert monitored[:2] == [str(figures.monitoring.systems_monitored), str(figures.monitoring.in_breach)]
    assert figures.systems_total >= 3
    assert figures.components_total >= 50  # the scan of the sample repository
    assert page.locator("svg").count() >= 5
    assert page.get_by_role("heading", name="Risk heat map").is_visible()
    shot(page, "02-dashboard")
    page.goto("/records/risk")
    assert page.locator("table tbody tr").count() >= 5
    assert page.locator(".heat, table.heat, [class*=heat]").count() >= 1
    shot(page, "03-risk-register")
    page.context.close()


def test_register_an_ai_system_through_the_form(site: Site) -> None:
    page = site.page_as("chief")
    page.goto("/records/system/new")
    page.click("form.record-form button[type=submit]")  # empty: validation messages next to the fields
    assert page.locator(".field.has-error #f-name").count() == 1
    assert page.locator("#e-name").is_visible()
    shot(page, "04-system-form-errors")
    page.fill("#f-name", "Collections voice agent")
    page.fill("#f-purpose", "Call customers about overdue payments")
    page.fill("#f-intended_use", "Outbound calls with a human supervisor listening")
    page.fill("#f-owner", "maria")
    page.select_option("#f-lifecycle_stage", "design")
    page.select_option("#f-risk_tier", "high")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url("**/r/SYS-*")
    assert "Collections voice agent" in page.locator("h1").inner_text()
    assert page.locator(".pill").first.inner_text() == "active"
    assert page.locator(".timeline li").first.inner_text().startswith("create by chief")
    shot(page, "05-system-record")
    page.context.close()


def test_assess_a_risk_and_add_a_treatment(site: Site) -> None:
    page = site.page_as("chief")
    page.goto("/records/risk/new")
    page.fill("#f-title", "Voice agent discloses account details to a third party")
    page.fill("#f-owner", "maria")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url("**/r/RISK-*")
    risk_id = page.url.rsplit("/", 1)[1]
    page.click("text=Edit")
    page.select_option("#f-inherent_likelihood", label="4 · likely")
    page.select_option("#f-inherent_impact", label="5 · severe")
    shot(page, "06-risk-form")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(f"**/r/{risk_id}")
    page.click("form.status-form button:has-text('Assessed')")
    page.wait_for_url(f"**/r/{risk_id}")
    assert page.locator(".pill").first.inner_text() == "assessed"
    page.click("a:has-text('Add treatment')")
    assert page.locator("#f-risk_id").input_value() == risk_id
    page.select_option("#f-option", "mitigate")
    page.fill("#f-description", "Verify the caller's identity before discussing the account")
    page.fill("#f-owner", "maria")
    page.fill("#f-due_date", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.click("form.record-form button[type=submit]")
    page.wait_for_url("**/r/TREAT-*")
    page.goto(f"/r/{risk_id}")
    assert page.locator("a[href^='/r/TREAT-']").count() == 1
    actions = page.locator(".timeline li strong").all_inner_texts()
    assert actions == ["status:assessed", "update", "create"]
    shot(page, "07-risk-record-history")
    page.context.close()


def test_manager_approves_a_document_version_with_confirmation(site: Site) -> None:
    version_id = site.records["version"]
    page = site.page_as("maria")
    page.goto(f"/r/{version_id}")
    form = page.locator("form.status-form", has=page.locator("input[value=approved]"))
    box = form.locator("input[name=confirm]")
    assert box.is_visible()
    form.locator("button").click()  # the browser refuses: the confirmation box is required
    assert page.url.endswith(f"/r/{version_id}")
    assert page.locator(".pill").first.inner_text() == "in review"
    box.check()
    shot(page, "08-approval-confirmation")
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".pill").first.inner_text() == "approved"
    first_event = page.locator(".timeline li").first.inner_text()
    assert first_event.startswith("approve by maria")
    assert page.locator("p.approval").first.inner_text().startswith("Approved by maria on ")
    page.context.close()


def test_auditor_reads_everything_and_changes_nothing(site: Site) -> None:
    page = site.page_as("ana")
    page.goto("/records/risk")
    page.locator("table tbody tr a").first.click()
    page.wait_for_url("**/r/RISK-*")
    risk_id = page.url.rsplit("/", 1)[1]
    assert page.get_by_role("heading", name="History").is_visible()
    assert page.locator(".timeline li").count() >= 1
    assert page.locator("a:has-text('Edit')").count() == 0
    assert page.locator("form.status-form").count() == 0
    page.goto(f"/history?record={risk_id}")
    assert page.locator("table tbody tr").count() >= 1
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    version = str(page.request.get(f"{site.url}/api/v1/records/risk/{risk_id}").json()["version"])
    form = {"csrf_token": csrf, "version": version, "status": "closed"}
    assert page.request.post(f"{site.url}/r/{risk_id}/status", form=form).status == 403
    form = {"csrf_token": csrf, "version": version, "title": "Changed by the auditor"}
    assert page.request.post(f"{site.url}/r/{risk_id}", form=form).status == 403
    assert page.request.get(f"{site.url}/api/v1/records/risk/{risk_id}").json()["version"] == int(version)
    assert page.request.get(f"{site.url}/records/risk/new").status == 403
    page.context.close()


def test_keyboard_skip_link_moves_focus_to_the_content(site: Site) -> None:
    page = site.page_as("chief")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    assert page.locator("a.skip").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.context.close()


PAGES = ["/", "/readiness", "/soa", "/toolkit", "/records/risk", "/records/risk/new", "/records/incident", "/history", "/org",
         "/records/impact_assessment/new", "/r/NOPE-1"]  # fmt: skip


def test_every_page_at_390_px_has_navigation_and_no_sideways_scroll(site: Site) -> None:
    """At a phone's width each page keeps a navigation menu and its content fits the width
    (tables scroll inside their card); error pages too. Screenshots at 1440 and 390 px."""
    page = site.page_as("chief")
    with site.db.read() as session:
        from openaims.register.services import RiskService

        risk = RiskService(session, Actor("chief", frozenset({Role.ADMIN}))).all()[0].id
    problems: list[str] = []
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in [*PAGES, f"/r/{risk}"]:
            page.goto(path)
            name = path.strip("/").replace("/", "-") or "dashboard"
            shot(page, f"w{width}-{name}")
            if width != 390:
                continue
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > 390:
                problems.append(f"{path}: page is {wide} px wide")
            menu = page.locator("details.menu summary")
            if not menu.is_visible():
                problems.append(f"{path}: no menu")
                continue
            menu.click()
            if not page.locator("details.menu nav a[href='/records/risk']").is_visible():
                problems.append(f"{path}: the menu does not open")
    assert problems == []
    page.context.close()
