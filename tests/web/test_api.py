"""The JSON API endpoint by endpoint: results, API tokens, CSRF over sessions,
the one error shape, optimistic concurrency and security headers."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from tests.web.conftest import Hub, client

from openaims.register.models.accounts import ApiToken
from openaims.register.models.internal import HistoryEvent


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return dict(body["error"])


# ------------------------------------------------------------------ endpoints
def test_health_needs_no_sign_in(hub: Hub) -> None:
    response = client(hub.app).get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_me_describes_the_token(hub: Hub) -> None:
    body = hub.api("carl", ("read",)).get("/api/v1/me").json()
    assert body == {"username": "carl", "display_name": "Carl", "roles": ["contributor"], "via": "token",
                    "scopes": ["read"]}  # fmt: skip


def test_types_lists_every_register(hub: Hub) -> None:
    types = {t["name"]: t for t in hub.api("vic").get("/api/v1/types").json()}
    assert {"system", "component", "risk", "treatment", "soa_entry", "document", "incident"} <= set(types)
    assert types["risk"]["prefix"] == "RISK"
    assert types["component"]["initial_status"] == "pending"
    assert "title" in types["risk"]["fields"]


def test_dashboard_counts_the_register(hub: Hub) -> None:
    body = hub.api("aude").get("/api/v1/dashboard").json()
    assert body["systems_total"] == 1
    assert body["components_total"] == 1
    assert body["unapproved_components"] == 1
    assert body["unapproved_by_repository"] == [{"label": "github.com/acme/chat", "count": 1}]
    assert body["open_risks"] == 2
    assert body["components_by_provider"] == [{"label": "openai", "count": 1}]


def test_list_filters_searches_sorts_and_pages(hub: Hub) -> None:
    api = hub.api("vic")
    page = api.get("/api/v1/records/risk", params={"sort": "-title"}).json()
    assert [i["title"] for i in page["items"]] == ["Prompt injection", "Model drift"]
    assert page["total"] == 2
    assert [i["id"] for i in api.get("/api/v1/records/risk", params={"q": "drift"}).json()["items"]] == [
        hub.records["risk_nora"]
    ]
    assert [i["id"] for i in api.get("/api/v1/records/risk", params={"owner": "carl"}).json()["items"]] == [
        hub.records["risk_carl"]
    ]
    second = api.get("/api/v1/records/risk", params={"limit": 1, "offset": 1}).json()
    assert (second["total"], second["limit"], second["offset"], len(second["items"])) == (2, 1, 1, 1)
    assert api.get("/api/v1/records/risk", params={"status": "assessed"}).json()["total"] == 0


def test_create_get_update_and_history(hub: Hub) -> None:
    api = hub.api("mia")
    created = api.post("/api/v1/records/system", json={"name": "Fraud scoring", "owner": "mia"})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "proposed"
    assert body["version"] == 1
    assert body["created_by"] == "mia"
    assert created.headers["location"] == f"/api/v1/records/system/{body['id']}"
    assert api.get(created.headers["location"]).json()["name"] == "Fraud scoring"
    patch = {"version": 1, "changes": {"purpose": "Score payments", "intended_use": "Back office",
                                        "status": "active"}}  # fmt: skip
    updated = api.patch(f"/api/v1/records/system/{body['id']}", json=patch).json()
    assert (updated["status"], updated["version"], updated["purpose"]) == ("active", 2, "Score payments")
    events = api.get(f"/api/v1/records/system/{body['id']}/history").json()
    assert [(e["action"], e["actor"]) for e in events] == [("create", "mia"), ("status:active", "mia")]
    log = api.get("/api/v1/history", params={"record": body["id"]}).json()
    assert [e["action"] for e in log["items"]] == ["status:active", "create"] or [
        e["action"] for e in log["items"]
    ] == ["create", "status:active"]
    assert api.get("/api/v1/history", params={"actor": "mia"}).json()["total"] == 2


def test_openapi_schema_is_published(hub: Hub) -> None:
    schema = client(hub.app).get("/api/v1/openapi.json").json()
    assert {"/api/v1/records/risk", "/api/v1/records/risk/{record_id}", "/api/v1/dashboard",
            "/api/v1/history", "/api/v1/accounts", "/api/v1/tokens/{token_id}"} <= set(schema["paths"])  # fmt: skip
    assert not any(p.startswith(("/login", "/r/", "/records")) for p in schema["paths"])


# ------------------------------------------------------------------ accounts and tokens
def test_admin_manages_accounts_and_tokens(hub: Hub) -> None:
    api = hub.api("ada")
    made = api.post("/api/v1/accounts", json={"username": "rita", "roles": ["contributor"]})
    assert made.status_code == 201
    assert made.json()["roles"] == ["contributor"]
    assert "rita" in {a["username"] for a in api.get("/api/v1/accounts").json()}
    issued = api.post("/api/v1/accounts/rita/tokens", json={"name": "ci", "scopes": ["read"]}).json()
    secret = issued["secret"]
    assert secret.startswith("aims_")
    listed = [t for t in api.get("/api/v1/tokens").json() if t["id"] == issued["token"]["id"]]
    assert listed
    assert "secret" not in listed[0]
    assert listed[0]["revoked_at"] is None
    rita = client(hub.app)
    rita.headers["Authorization"] = f"Bearer {secret}"
    assert rita.get("/api/v1/me").json()["username"] == "rita"
    revoked = api.delete(f"/api/v1/tokens/{issued['token']['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    _error(rita.get("/api/v1/me"), 401, "unauthenticated")


def test_read_only_token_cannot_write(hub: Hub) -> None:
    api = hub.api("ada", ("read",))
    error = _error(api.post("/api/v1/records/risk", json={"title": "x"}), 403, "forbidden")
    assert "write" in error["message"]
    rid = hub.records["risk_carl"]
    _error(api.patch(f"/api/v1/records/risk/{rid}", json={"version": 1, "changes": {"title": "y"}}), 403, "forbidden")
    assert api.get(f"/api/v1/records/risk/{rid}").json()["title"] == "Prompt injection"


def test_write_only_token_cannot_read(hub: Hub) -> None:
    _error(hub.api("ada", ("write",)).get("/api/v1/records/risk"), 403, "forbidden")


def test_unknown_and_malformed_tokens_are_refused(hub: Hub) -> None:
    c = client(hub.app)
    for value in ["Bearer aims_" + "x" * 43, "Bearer nonsense", "Bearer " + hub.token("ada")[:-1]]:
        _error(c.get("/api/v1/me", headers={"Authorization": value}), 401, "unauthenticated")


def test_token_of_a_deactivated_account_is_refused(hub: Hub) -> None:
    api = hub.api("vic")
    assert api.get("/api/v1/me").status_code == 200
    from tests.web.conftest import ADMIN

    from openaims.register.services.accounts import AccountService

    with hub.db.session() as session:
        AccountService(session, ADMIN).deactivate("vic")
    _error(api.get("/api/v1/me"), 401, "unauthenticated")


def test_token_is_stored_only_as_a_hash(hub: Hub) -> None:
    secret = hub.token("carl")
    with hub.db.read() as session:
        rows = session.execute(select(ApiToken)).scalars().all()
        stored = [str(getattr(r, c.key)) for r in rows for c in ApiToken.__table__.columns]
        events = [str(e.before) + str(e.after) for e in session.execute(select(HistoryEvent)).scalars()]
    assert not any(secret in value for value in stored + events)
    assert hashlib.sha256(secret.encode()).hexdigest() in stored


# ------------------------------------------------------------------ CSRF over sessions
def test_session_api_writes_need_the_csrf_header(hub: Hub) -> None:
    c, csrf = hub.session_client("ada")
    rid = hub.records["risk_carl"]
    patch = {"version": 1, "changes": {"description": "x"}}
    error = _error(c.patch(f"/api/v1/records/risk/{rid}", json=patch), 403, "forbidden")
    assert "CSRF" in error["message"]
    _error(c.patch(f"/api/v1/records/risk/{rid}", json=patch, headers={"X-CSRF-Token": "forged"}), 403, "forbidden")
    _error(c.post("/api/v1/records/risk", json={"title": "t"}), 403, "forbidden")
    assert c.get(f"/api/v1/records/risk/{rid}").json()["version"] == 1  # reads need no header
    assert c.patch(f"/api/v1/records/risk/{rid}", json=patch, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_csrf_token_of_another_session_is_refused(hub: Hub) -> None:
    c, _ = hub.session_client("ada")
    _, other = hub.session_client("mia")
    rid = hub.records["risk_carl"]
    patch = {"version": 1, "changes": {"description": "x"}}
    _error(c.patch(f"/api/v1/records/risk/{rid}", json=patch, headers={"X-CSRF-Token": other}), 403, "forbidden")


# ------------------------------------------------------------------ the error shape
def test_error_shape_404_unknown_record_and_type(hub: Hub) -> None:
    api = hub.api("vic")
    assert "RISK-999" in _error(api.get("/api/v1/records/risk/RISK-999"), 404, "not_found")["message"]
    _error(api.get("/api/v1/records/nothing"), 404, "not_found")
    _error(api.get("/api/v1/no-such-endpoint"), 404, "not_found")


def test_error_shape_401_without_credentials(hub: Hub) -> None:
    error = _error(client(hub.app).get("/api/v1/records/risk"), 401, "unauthenticated")
    assert error["fields"] == []


def test_error_shape_403(hub: Hub) -> None:
    error = _error(hub.api("vic").post("/api/v1/records/risk", json={"title": "x"}), 403, "forbidden")
    assert "vic" in error["message"]


def test_error_shape_409_on_a_stale_version(hub: Hub) -> None:
    api = hub.api("ada")
    rid = hub.records["risk_carl"]
    first = api.patch(f"/api/v1/records/risk/{rid}", json={"version": 1, "changes": {"description": "first"}})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = api.patch(f"/api/v1/records/risk/{rid}", json={"version": 1, "changes": {"description": "second"}})
    error = _error(stale, 409, "conflict")
    assert "version 2" in error["message"]
    assert "ada" in error["message"]
    assert api.get(f"/api/v1/records/risk/{rid}").json()["description"] == "first"


def test_error_shape_422_names_the_fields(hub: Hub) -> None:
    api = hub.api("ada")
    error = _error(api.post("/api/v1/records/risk", json={"title": "", "bogus": 1}), 422, "invalid")
    assert {f["field"] for f in error["fields"]} == {"title", "bogus"}
    error = _error(api.post("/api/v1/records/risk", json={"title": "x", "inherent_likelihood": "high"}), 422, "invalid")
    assert [f["field"] for f in error["fields"]] == ["inherent_likelihood"]
    bad_query = _error(api.get("/api/v1/records/risk", params={"limit": 0}), 422, "invalid")
    assert [f["field"] for f in bad_query["fields"]] == ["limit"]
    bad_body = _error(api.patch(f"/api/v1/records/risk/{hub.records['risk_carl']}", json={"changes": {}}), 422,
                      "invalid")  # fmt: skip
    assert [f["field"] for f in bad_body["fields"]] == ["version"]
    bad_sort = _error(api.get("/api/v1/records/risk", params={"sort": "nope"}), 422, "invalid")
    assert [f["field"] for f in bad_sort["fields"]] == ["nope"]


def test_error_shape_422_on_a_rule(hub: Hub) -> None:
    api = hub.api("ada")
    rid = hub.records["risk_carl"]
    error = _error(api.patch(f"/api/v1/records/risk/{rid}", json={"version": 1, "changes": {"status": "treated"}}),
                   422, "invalid")  # fmt: skip
    assert rid in error["message"]


def test_unexpected_errors_hide_details(hub: Hub) -> None:
    from fastapi.testclient import TestClient

    @hub.app.get("/api/v1/boom")  # type: ignore[untyped-decorator]
    def boom() -> None:
        raise RuntimeError("connection string with a password in it")

    response = TestClient(hub.app, raise_server_exceptions=False).get("/api/v1/boom")
    error = _error(response, 500, "internal_error")
    assert "password" not in response.text
    assert "Traceback" not in response.text
    assert error["message"] == "internal error; the server log has details"


# ------------------------------------------------------------------ headers
def test_security_headers_on_api_pages_and_static(hub: Hub) -> None:
    c, _ = hub.session_client("vic")
    for path in ["/api/v1/health", "/", "/login", "/static/app.css", "/records/risk", "/api/v1/records/nothing"]:
        headers = c.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
    assert c.get("/").headers["cache-control"] == "no-store"
    assert c.get("/api/v1/me").headers["cache-control"] == "no-store"


def test_unstorable_input_is_a_client_error(hub: Hub) -> None:
    """PostgreSQL refuses NUL characters; found by the schema fuzz test (it was a 500)."""
    api = hub.api("ada")
    listing = api.get("/api/v1/records/risk", params={"q": "a\x00b"})
    created = api.post("/api/v1/records/risk", json={"title": "nul\x00title"})
    for response in (listing, created):
        if response.status_code != 422:
            assert response.status_code in (200, 201)
        else:
            _error(response, 422, "invalid")
    assert api.get("/api/v1/records/risk").status_code == 200  # the session was rolled back cleanly
