"""Reject with a reason on approvable records, by the signed-in person: the reason is required,
kept in the history and shown on the record; the record goes back to its author's step (or to
``rejected`` where its workflow has one); only someone who may approve it may reject it."""

from __future__ import annotations

from tests.web.conftest import ADMIN, Hub

from openaims.register import history, integrity
from openaims.register.actors import Actor, Role
from openaims.register.services import ChangeService, DocumentService, DocumentVersionService, TreatmentService

CARL = Actor("carl", frozenset({Role.CONTRIBUTOR}))


def _version_in_review(hub: Hub) -> str:
    with hub.db.session() as s:
        doc = DocumentService(s, ADMIN).create({"title": "AI policy", "kind": "policy", "owner": "carl"})
        versions = DocumentVersionService(s, CARL)
        draft = versions.create({"document_id": doc.id, "content": "We use AI responsibly.", "author": "carl"})
        return versions.transition(draft.id, draft.version, "in_review").id


def test_the_manager_rejects_a_version_in_review_with_a_reason_kept_in_history(hub: Hub) -> None:
    version_id = _version_in_review(hub)
    c, csrf = hub.session_client("mia")
    page = c.get(f"/r/{version_id}").text
    assert f'action="/r/{version_id}/reject"' in page
    with hub.db.session() as s:
        current = DocumentVersionService(s, ADMIN).get(version_id).version
    blank = c.post(f"/r/{version_id}/reject", data={"csrf_token": csrf, "version": current, "reason": "   "})
    assert blank.status_code == 422
    assert "Not rejected: Reason is required" in blank.text
    reason = "Section 3 <names> no owner for the model inventory"
    done = c.post(f"/r/{version_id}/reject", data={"csrf_token": csrf, "version": current, "reason": reason})
    assert done.status_code == 303
    with hub.db.session() as s:
        record = DocumentVersionService(s, ADMIN).get(version_id)
        events = history.events_for(s, version_id)
        assert integrity.verify_register(s).ok
    assert record.status == "draft"
    assert record.approver is None
    assert [e.action for e in events][-2:] == ["status:draft", "reject"]
    assert (events[-1].actor, events[-1].note) == ("mia", reason)
    shown = c.get(f"/r/{version_id}").text
    assert "Rejected by mia on " in shown
    assert "Section 3 &lt;names&gt; no owner for the model inventory" in shown
    assert "Reason: Section 3 &lt;names&gt;" in shown  # in the history timeline too


def test_the_author_cannot_reject_their_own_version_and_readers_cannot_reject(hub: Hub) -> None:
    version_id = _version_in_review(hub)
    with hub.db.session() as s:
        current = DocumentVersionService(s, ADMIN).get(version_id).version
    carl, csrf = hub.session_client("carl")
    own = carl.post(f"/r/{version_id}/reject", data={"csrf_token": csrf, "version": current, "reason": "no"})
    assert own.status_code in (403, 409, 422)
    assert "Not rejected:" in own.text
    for reader in ("aude", "vic"):
        c, token = hub.session_client(reader)
        assert f'action="/r/{version_id}/reject"' not in c.get(f"/r/{version_id}").text
        refused = c.post(f"/r/{version_id}/reject", data={"csrf_token": token, "version": current, "reason": "x"})
        assert refused.status_code == 403
    with hub.db.session() as s:
        assert DocumentVersionService(s, ADMIN).get(version_id).status == "in_review"
        assert DocumentVersionService(s, ADMIN).rejections(version_id) == []


def test_a_change_is_rejected_into_its_rejected_status(hub: Hub) -> None:
    with hub.db.session() as s:
        change = ChangeService(s, CARL).create({"title": "Switch the chatbot model", "owner": "carl"})
    c, csrf = hub.session_client("mia")
    response = c.post(f"/r/{change.id}/reject", data={"csrf_token": csrf, "version": change.version,
                                                      "reason": "No impact analysis yet"})  # fmt: skip
    assert response.status_code == 303
    with hub.db.session() as s:
        service = ChangeService(s, ADMIN)
        assert service.get(change.id).status == "rejected"
        assert [e.note for e in service.rejections(change.id)] == ["No impact analysis yet"]


def test_an_accept_treatment_keeps_its_status_and_cannot_be_rejected_once_approved(hub: Hub) -> None:
    with hub.db.session() as s:
        treatment = TreatmentService(s, ADMIN).create(
            {"risk_id": hub.records["risk_carl"], "option": "accept", "rationale": "Low impact", "owner": "carl"}
        )
    c, csrf = hub.session_client("mia")
    assert f'action="/r/{treatment.id}/reject"' in c.get(f"/r/{treatment.id}").text
    response = c.post(f"/r/{treatment.id}/reject", data={"csrf_token": csrf, "version": treatment.version,
                                                         "reason": "Say why the impact is low"})  # fmt: skip
    assert response.status_code == 303
    with hub.db.session() as s:
        service = TreatmentService(s, ADMIN)
        after = service.get(treatment.id)
        assert (after.status, after.version) == (treatment.status, treatment.version)
        approved = TreatmentService(s, Actor("mia", frozenset({Role.AIMS_MANAGER}))).approve_record(
            treatment.id, after.version
        )
    stale = c.post(f"/r/{treatment.id}/reject", data={"csrf_token": csrf, "version": approved.version, "reason": "x"})
    assert stale.status_code == 409
    assert "not waiting to be approved" in stale.text
