"""Who may read and change what, through the JSON API: one row per role and action.

Roles are enforced by the services, so the same table holds for the pages and the CLI;
here it is exercised over API tokens (read+write scopes) and, for writes, over a session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.web.conftest import Hub

from openaims.register.actors import Actor, Role
from openaims.register.services import TreatmentService

Call = Callable[[Hub, Any], Any]


def _version(hub: Hub, api: Any, record_id: str, record_type: str) -> int:
    return int(api.get(f"/api/v1/records/{record_type}/{record_id}").json()["version"])


def read_list(hub: Hub, api: Any) -> Any:
    return api.get("/api/v1/records/risk")


def read_record(hub: Hub, api: Any) -> Any:
    return api.get(f"/api/v1/records/risk/{hub.records['risk_carl']}")


def read_history(hub: Hub, api: Any) -> Any:
    return api.get(f"/api/v1/records/risk/{hub.records['risk_carl']}/history")


def read_audit_log(hub: Hub, api: Any) -> Any:
    return api.get("/api/v1/history", params={"record": hub.records["risk_carl"]})


def create_own(hub: Hub, api: Any) -> Any:
    me = api.get("/api/v1/me").json()["username"]
    return api.post("/api/v1/records/risk", json={"title": "Hallucinated advice", "owner": me})


def create_for_other(hub: Hub, api: Any) -> Any:
    return api.post("/api/v1/records/risk", json={"title": "Data leak", "owner": "nora"})


def update_carls_risk(hub: Hub, api: Any) -> Any:
    rid = hub.records["risk_carl"]
    version = _version(hub, api, rid, "risk")
    return api.patch(f"/api/v1/records/risk/{rid}", json={"version": version, "changes": {"description": "edited"}})


def approve_component(hub: Hub, api: Any) -> Any:
    cid = hub.records["component"]
    version = _version(hub, api, cid, "component")
    return api.patch(f"/api/v1/records/component/{cid}", json={"version": version, "changes": {"status": "approved"}})


def list_accounts(hub: Hub, api: Any) -> Any:
    return api.get("/api/v1/accounts")


def create_account(hub: Hub, api: Any) -> Any:
    return api.post("/api/v1/accounts", json={"username": "newbie", "roles": ["viewer"]})


def issue_token(hub: Hub, api: Any) -> Any:
    return api.post("/api/v1/accounts/vic/tokens", json={"name": "ci", "scopes": ["read"]})


ACTIONS: dict[str, Call] = {
    "read list": read_list,
    "read record": read_record,
    "read history": read_history,
    "read audit log": read_audit_log,
    "create own": create_own,
    "create for another": create_for_other,
    "update record owned by carl": update_carls_risk,
    "approve (manager status)": approve_component,
    "list accounts": list_accounts,
    "create account": create_account,
    "issue token": issue_token,
}

# user (role)          list  record hist  log   create other update approve accts mkacct token
MATRIX: dict[str, tuple[int, ...]] = {
    "ada":  (200,  200,   200,  200,  201,   201,  200,   200,    200,  201,   201),  # admin
    "mia":  (200,  200,   200,  200,  201,   201,  200,   200,    403,  403,   403),  # aims_manager
    "carl": (200,  200,   200,  200,  201,   403,  200,   403,    403,  403,   403),  # contributor, owner
    "nora": (200,  200,   200,  200,  201,   201,  403,   403,    403,  403,   403),  # contributor, not owner
    "aude": (200,  200,   200,  200,  403,   403,  403,   403,    403,  403,   403),  # auditor
    "vic":  (200,  200,   200,  200,  403,   403,  403,   403,    403,  403,   403),  # viewer
}  # fmt: skip


@pytest.mark.parametrize("user", list(MATRIX))
def test_role_matrix_over_api_token(hub: Hub, user: str) -> None:
    api = hub.api(user)
    seen: dict[str, int] = {}
    for action, call in ACTIONS.items():
        response = call(hub, api)
        seen[action] = response.status_code
        if response.status_code == 403:
            assert response.json()["error"]["code"] == "forbidden"
    assert seen == dict(zip(ACTIONS, MATRIX[user], strict=True))


WRITES = ["create own", "create for another", "update record owned by carl", "approve (manager status)",
          "create account"]  # fmt: skip


@pytest.mark.parametrize("user", ["ada", "mia", "carl", "nora", "aude", "vic"])
def test_same_answers_over_a_session_with_csrf_header(hub: Hub, user: str) -> None:
    c, csrf = hub.session_client(user)
    c.headers["X-CSRF-Token"] = csrf
    seen = {action: ACTIONS[action](hub, c).status_code for action in WRITES}
    assert seen == {action: MATRIX[user][list(ACTIONS).index(action)] for action in WRITES}


def test_refused_write_changes_nothing(hub: Hub) -> None:
    api = hub.api("aude")
    rid = hub.records["risk_carl"]
    before = api.get(f"/api/v1/records/risk/{rid}").json()
    assert update_carls_risk(hub, api).status_code == 403
    assert api.get(f"/api/v1/records/risk/{rid}").json() == before
    assert [e["action"] for e in api.get(f"/api/v1/records/risk/{rid}/history").json()] == ["create"]


def test_approval_records_the_approver(hub: Hub) -> None:
    api = hub.api("mia")
    assert approve_component(hub, api).status_code == 200
    events = api.get(f"/api/v1/records/component/{hub.records['component']}/history").json()
    assert [(e["action"], e["actor"]) for e in events] == [("create", "ada"), ("status:approved", "mia")]


def test_the_api_takes_no_typed_approval_and_approves_as_the_caller(hub: Hub) -> None:
    carl, mia = hub.api("carl"), hub.api("mia")
    rid = hub.records["risk_carl"]
    typed = {"risk_id": rid, "option": "accept", "rationale": "Cheap", "approver": "mia", "approved_on": "2026-01-01"}
    refused = carl.post("/api/v1/records/treatment", json=typed)
    assert refused.status_code == 422
    assert "is recorded from the approval itself" in refused.text
    created = carl.post("/api/v1/records/treatment", json={"risk_id": rid, "option": "accept", "rationale": "Cheap"})
    assert created.status_code == 201
    tid = created.json()["id"]
    forged = carl.patch(f"/api/v1/records/treatment/{tid}", json={"version": 1, "changes": {"approver": "mia"}})
    assert forged.status_code == 422
    assert carl.get(f"/api/v1/records/treatment/{tid}").json()["approver"] is None
    with hub.db.session() as s:
        mia_actor = Actor("mia", frozenset({Role.AIMS_MANAGER}))
        TreatmentService(s, mia_actor).approve_record(tid, 1)
    events = mia.get(f"/api/v1/records/treatment/{tid}/history").json()
    assert [(e["action"], e["actor"]) for e in events] == [("create", "carl"), ("approve", "mia")]
