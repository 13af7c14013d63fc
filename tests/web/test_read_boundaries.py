"""What a caller may read: a write-only token reads nothing through its writes, only admins and
auditors read account and token events, and two people with one e-mail break no page."""

from __future__ import annotations

from sqlalchemy import text
from tests.web.conftest import ADMIN, Hub

from openaims.register.services import PersonService, RiskService


# ------------------------------------------------------------------ write-only tokens
def test_a_write_only_token_reads_nothing_through_a_no_op_patch(hub: Hub) -> None:
    rid = hub.records["risk_nora"]
    version = hub.api("ada").get(f"/api/v1/records/risk/{rid}").json()["version"]
    writer = hub.api("ada", ("write",))
    assert writer.get(f"/api/v1/records/risk/{rid}").status_code == 403
    reply = writer.patch(f"/api/v1/records/risk/{rid}", json={"version": version, "changes": {}})
    assert reply.status_code == 200
    assert reply.json() == {"id": rid, "version": version}
    assert "Model drift" not in reply.text


def test_a_write_only_token_learns_only_the_id_and_version_of_what_it_writes(hub: Hub) -> None:
    writer = hub.api("ada", ("write",))
    created = writer.post("/api/v1/records/risk", json={"title": "Leaky logs", "owner": "nora"})
    assert created.status_code == 201
    assert set(created.json()) == {"id", "version"}
    changed = writer.patch(
        f"/api/v1/records/risk/{created.json()['id']}", json={"version": 1, "changes": {"description": "seen"}}
    )
    assert changed.json() == {"id": created.json()["id"], "version": 2}
    full = hub.api("ada").patch(
        f"/api/v1/records/risk/{created.json()['id']}", json={"version": 2, "changes": {"description": "again"}}
    )
    assert full.json()["title"] == "Leaky logs"  # a token that reads gets the record as before


# ------------------------------------------------------------------ account and token events
def _account_events(api: object, path: str = "/api/v1/history") -> list[str]:
    body = api.get(path, params={"limit": 500}).json()  # type: ignore[attr-defined]
    return [e["record_id"] for e in body["items"] if e["record_type"] == "account"]


def test_viewers_and_contributors_do_not_read_account_and_token_events(hub: Hub) -> None:
    hub.token("vic")  # a token-issued event exists
    for user in ("vic", "carl", "mia"):
        api = hub.api(user)
        assert _account_events(api) == [], user
        assert api.get("/api/v1/history", params={"record": "ACCOUNT:vic"}).json()["total"] == 0
        assert api.get("/api/v1/history", params={"record_type": "account"}).json()["items"] == []
    for user in ("ada", "aude"):
        assert "ACCOUNT:vic" in _account_events(hub.api(user)), user


def test_the_history_page_hides_account_events_from_viewers(hub: Hub) -> None:
    viewer, _ = hub.session_client("vic")
    auditor, _ = hub.session_client("aude")
    assert "ACCOUNT:" not in viewer.get("/history").text
    filtered = viewer.get("/history", params={"record": "ACCOUNT:ada"}).text
    assert filtered.count("ACCOUNT:") == 1  # only the filter box echoes it
    assert "ACCOUNT:" in auditor.get("/history").text


# ------------------------------------------------------------------ one e-mail, one person
def test_a_second_person_with_the_same_e_mail_is_refused(hub: Hub) -> None:
    api = hub.api("ada")
    first = api.post("/api/v1/records/person", json={"name": "Carl Berg", "email": "carl@acme.example"})
    assert first.status_code == 201
    second = api.post("/api/v1/records/person", json={"name": "Carla Berg", "email": "CARL@acme.example"})
    assert second.status_code == 409
    assert first.json()["id"] in second.json()["error"]["message"]


def test_pages_work_with_duplicate_e_mails_from_before_the_rule(hub: Hub) -> None:
    with hub.db.session() as session:
        people = PersonService(session, ADMIN)
        one = people.create({"name": "Carl Berg", "email": "carl@acme.example"})
        two = people.create({"name": "Carla Berg", "email": "carla@acme.example"})
        session.execute(text("UPDATE people SET email = 'carl@acme.example' WHERE id = :id"), {"id": two.id})
        risk = RiskService(session, ADMIN).create({"title": "Shared inbox", "owner": "carl@acme.example"})
    for user in ("carl", "ada", "vic"):
        c, _ = hub.session_client(user)
        for path in (f"/r/{risk.id}", f"/r/{one.id}", f"/r/{two.id}", "/records/risk", "/"):
            assert c.get(path).status_code == 200, (user, path)
    carl = hub.api("carl")
    version = carl.get(f"/api/v1/records/risk/{risk.id}").json()["version"]
    edit = carl.patch(f"/api/v1/records/risk/{risk.id}", json={"version": version, "changes": {"description": "x"}})
    assert edit.status_code == 403  # an ambiguous e-mail names nobody: carl does not own it through it
