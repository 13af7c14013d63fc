"""Server-rendered pages: sign-in, first-run setup, idle expiry, lockout and rate
limit, CSRF on forms, forms that create, update and approve, HTML error pages."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from tests.web.conftest import PASSWORD, Hub, client, csrf_of, sign_in, web_settings

from openaims.register.db import Database
from openaims.register.models.base import utcnow
from openaims.register.services import sessions
from openaims.web.app import create_app
from openaims.web.records import services


def test_first_run_setup_creates_the_admin(database: Database) -> None:
    app = create_app(database, web_settings=web_settings())
    c = client(app)
    assert c.get("/").headers["location"].startswith("/login")
    assert c.get("/login").headers["location"] == "/setup"
    page = c.get("/setup")
    form = {"username": "ada", "password": PASSWORD, "confirm": PASSWORD + "x", "csrf_token": csrf_of(page.text)}
    differ = c.post("/setup", data=form)
    assert differ.status_code == 422
    assert "The two passwords differ." in differ.text
    form["confirm"] = PASSWORD
    assert c.post("/setup", data=form).headers["location"] == "/"
    me = c.get("/api/v1/me").json()
    assert (me["username"], me["roles"], me["via"]) == ("ada", ["admin"], "session")
    assert client(app).get("/setup").headers["location"] == "/login"  # only once


def test_login_refuses_wrong_password_without_saying_why(hub: Hub) -> None:
    c = client(hub.app)
    page = c.get("/login")
    response = c.post(
        "/login", data={"username": "ada", "password": "wrong-password", "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    unknown = c.post("/login", data={"username": "nobody", "password": "x", "csrf_token": csrf_of(page.text)})
    assert unknown.status_code == 401
    assert "wrong username or password" in unknown.text


def test_login_follows_only_local_next(hub: Hub) -> None:
    for target, expected in [("/records/risk", "/records/risk"), ("https://evil.example/", "/"), ("//evil", "/")]:
        c = client(hub.app)
        page = c.get("/login")
        data = {"username": "vic", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": target}
        assert c.post("/login", data=data).headers["location"] == expected


def test_lockout_after_repeated_failures(hub: Hub) -> None:
    c = client(hub.app)
    token = csrf_of(c.get("/login").text)
    for _ in range(5):
        assert c.post("/login", data={"username": "vic", "password": "nope", "csrf_token": token}).status_code == 401
    locked = c.post("/login", data={"username": "vic", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 401
    assert "aims_session" not in locked.cookies
    assert client(hub.app).get("/api/v1/me", headers={"Authorization": "Bearer " + hub.token("vic")}).status_code == 200


def test_rate_limit_per_address(database: Database) -> None:
    from tests.web.conftest import make_accounts

    make_accounts(database)
    app = create_app(database, web_settings=web_settings(login_attempts_per_minute=3))
    c = client(app)
    token = csrf_of(c.get("/login").text)
    codes = [c.post("/login", data={"username": "ada", "password": "x", "csrf_token": token}).status_code
             for _ in range(3)]  # fmt: skip
    assert codes == [401, 401, 401]
    limited = c.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
    assert limited.status_code == 429
    assert "Too many sign-in attempts" in limited.text


def _shift_clock(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    """Move the register's session clock ``minutes`` ahead of real time."""
    monkeypatch.setattr(sessions, "_now", lambda: utcnow() + dt.timedelta(minutes=minutes))


def test_session_expires_after_idle_minutes(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    c, _ = hub.session_client("vic")
    assert c.get("/").status_code == 200
    idle = hub.app.state.web_settings.session_idle_minutes
    _shift_clock(monkeypatch, idle - 1)
    assert c.get("/").status_code == 200  # activity refreshes the session
    _shift_clock(monkeypatch, 2 * idle - 2)
    assert c.get("/api/v1/me").status_code == 200
    _shift_clock(monkeypatch, 3 * idle + 1)
    response = c.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    assert c.get("/api/v1/me").status_code == 401


def test_sessions_end_after_their_lifetime_even_when_active(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    c, _ = hub.session_client("vic")
    idle = hub.app.state.web_settings.session_idle_minutes
    for step in range(1, 12):
        _shift_clock(monkeypatch, step * (idle - 1))
        assert c.get("/api/v1/me").status_code == 200
    _shift_clock(monkeypatch, 12 * idle + 1)
    assert c.get("/api/v1/me").status_code == 401


def test_short_idle_setting(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.web.conftest import make_accounts

    make_accounts(database)
    monkeypatch.setenv("AIMS_SESSION_IDLE_MINUTES", "1")
    from openaims.web.config import WebSettings

    app = create_app(database, web_settings=WebSettings(secret_key="k" * 40))
    c, _ = sign_in(app, "vic")
    _shift_clock(monkeypatch, 1.1)
    assert c.get("/records/risk").headers["location"] == "/login?next=/records/risk"


def test_logout_needs_csrf_and_ends_the_session(hub: Hub) -> None:
    c, csrf = hub.session_client("vic")
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert c.get("/").status_code == 200
    assert c.post("/logout", data={"csrf_token": csrf}).headers["location"] == "/login"
    assert c.get("/").status_code == 303


def test_forms_refuse_a_missing_or_forged_csrf_token(hub: Hub) -> None:
    c, _ = hub.session_client("ada")
    for data in [{"name": "Forged"}, {"name": "Forged", "csrf_token": "x" * 43}]:
        response = c.post("/records/system", data=data)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    login = client(hub.app).post("/login", data={"username": "ada", "password": PASSWORD})
    assert login.status_code == 403
    assert hub.api("ada").get("/api/v1/records/system", params={"q": "Forged"}).json()["total"] == 0


def test_every_register_lists_exports_and_offers_a_form(hub: Hub) -> None:
    c, _ = hub.session_client("ada")
    broken: dict[str, tuple[int, int, int]] = {}
    for record_type in sorted(services()):
        listing = c.get(f"/records/{record_type}")
        form = c.get(f"/records/{record_type}/new")
        export = c.get(f"/records/{record_type}/export.csv")
        if (listing.status_code, form.status_code, export.status_code) != (200, 200, 200):
            broken[record_type] = (listing.status_code, form.status_code, export.status_code)
        elif 'name="csrf_token"' not in form.text or "<h1" not in listing.text:
            broken[record_type] = (0, 0, 0)
    assert broken == {}


def test_create_through_the_form_shows_field_errors_then_the_record(hub: Hub) -> None:
    c, csrf = hub.session_client("carl")
    bad = c.post("/records/system", data={"csrf_token": csrf, "name": "", "lifecycle_stage": "design"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text or 'class="error"' in bad.text
    good = c.post("/records/system", data={"csrf_token": csrf, "name": "Triage assistant", "lifecycle_stage": "design"})
    assert good.status_code == 303
    page = c.get(good.headers["location"])
    assert "Triage assistant" in page.text
    assert "create" in page.text
    assert "carl" in page.text


def test_update_form_with_stale_version_is_a_conflict(hub: Hub) -> None:
    c, csrf = hub.session_client("ada")
    rid = hub.records["risk_carl"]
    edit = c.get(f"/r/{rid}/edit")
    assert edit.status_code == 200
    form = {"csrf_token": csrf, "version": "1", "title": "Prompt injection via e-mail", "owner": "carl"}
    assert c.post(f"/r/{rid}", data=form).status_code == 303
    stale = c.post(f"/r/{rid}", data={**form, "title": "Other"})
    assert stale.status_code == 409
    assert "reload it" in stale.text
    assert hub.api("ada").get(f"/api/v1/records/risk/{rid}").json()["title"] == "Prompt injection via e-mail"


def test_approval_needs_the_confirmation_box(hub: Hub) -> None:
    c, csrf = hub.session_client("mia")
    cid = hub.records["component"]
    page = c.get(f"/r/{cid}")
    assert 'name="confirm"' in page.text
    refused = c.post(f"/r/{cid}/status", data={"csrf_token": csrf, "version": "1", "status": "approved"})
    assert refused.status_code == 422
    assert "confirmation" in refused.text
    done = c.post(f"/r/{cid}/status", data={"csrf_token": csrf, "version": "1", "status": "approved", "confirm": "yes"})
    assert done.status_code == 303
    record = hub.api("mia").get(f"/api/v1/records/component/{cid}").json()
    assert (record["status"], record["updated_by"]) == ("approved", "mia")


def test_auditor_reads_everything_but_sees_no_edit_controls(hub: Hub) -> None:
    c, csrf = hub.session_client("aude")
    rid = hub.records["risk_carl"]
    page = c.get(f"/r/{rid}")
    assert page.status_code == 200
    assert "History" in page.text
    assert f'href="/r/{rid}/edit"' not in page.text
    assert "/status" not in page.text
    assert c.get("/history", params={"record": rid}).status_code == 200
    assert c.get("/records/risk/new").status_code == 403
    forged = c.post(f"/r/{rid}", data={"csrf_token": csrf, "version": "1", "title": "Changed by auditor"})
    assert forged.status_code == 403
    status = c.post(f"/r/{rid}/status", data={"csrf_token": csrf, "version": "1", "status": "closed"})
    assert status.status_code == 403
    assert hub.api("ada").get(f"/api/v1/records/risk/{rid}").json()["version"] == 1


def test_html_error_pages_have_no_stack_trace(hub: Hub) -> None:
    c, _ = hub.session_client("vic")
    for path, status in [("/r/RISK-999", 404), ("/r/NOPE-1", 404), ("/records/nothing", 404)]:
        response = c.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text
        assert 'File "' not in response.text

    from fastapi.testclient import TestClient

    @hub.app.get("/boom")  # type: ignore[untyped-decorator]
    def boom() -> None:
        raise RuntimeError("internal detail")

    response = TestClient(hub.app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text


def test_history_page_filters(hub: Hub) -> None:
    c, _ = hub.session_client("aude")
    rid = hub.records["risk_nora"]
    page = c.get("/history", params={"record": rid, "actor": "ada", "since": "2000-01-01", "until": "2999-01-01"})
    assert page.status_code == 200
    assert rid in page.text
    assert f'href="/r/{rid}"' in page.text
    assert f'href="/r/{hub.records["risk_carl"]}"' not in page.text


def test_a_system_created_at_a_gated_stage_through_the_form_is_refused_with_the_criteria(hub: Hub) -> None:
    c, csrf = hub.session_client("carl")
    refused = c.post("/records/system", data={"csrf_token": csrf, "name": "Fraud model",
                                              "lifecycle_stage": "deployment"})  # fmt: skip
    assert refused.status_code in (409, 422), refused.status_code
    text = html.unescape(refused.text)
    assert "A new AI system cannot be created at deployment" in text
    for name in ("eu-ai-act-classification", "impact-assessment-current", "risks-treated", "verification-evidence",
                 "approved-change", "security-review"):  # fmt: skip
        assert f"{name}: " in text
    assert 'value="Fraud model"' in refused.text  # the form again, as typed
