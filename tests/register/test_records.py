"""Every record type: create, update, status rules, stale-version conflict, history (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from tests.register.kit import CASES, COVERED_ELSEWHERE, Case, svc

from openaims.errors import ConflictError
from openaims.register import history
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.services import registry

IDS = [c.record_type for c in CASES]


def test_every_record_type_has_a_case() -> None:
    assert {c.record_type for c in CASES} == set(registry()) - set(COVERED_ELSEWHERE)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_create_update_and_history(database: Database, case: Case) -> None:
    with database.session() as s:
        data = case.make(s)
        created = svc(s, case.service).create(data)
    assert created.id.startswith(case.service.prefix() + "-")
    assert created.version == 1
    assert created.status == (case.created_status or case.service.initial_status)
    assert created.created_by == "admin"
    expected = case.service.fields.model_validate(data).model_dump()
    got = created.model_dump()
    for key in data:
        assert got[key] == expected[key], key

    with database.session() as s:
        updated = svc(s, case.service, Actor("bob")).update(created.id, 1, case.change)
    assert updated.version == 2
    assert updated.updated_by == "bob"
    assert updated.created_by == "admin"
    for key, value in case.change.items():
        assert updated.model_dump()[key] == value

    with database.read() as s:
        again = svc(s, case.service).get(created.id)
        events = history.events_for(s, created.id)
    assert again == updated
    assert [(e.action, e.actor) for e in events] == [("create", "admin"), ("update", "bob")]
    assert events[0].before is None
    assert events[0].after == created.model_dump(mode="json")
    assert events[1].before == created.model_dump(mode="json")
    assert events[1].after == updated.model_dump(mode="json")
    assert set(events[1].changes()) == set(case.change) or not case.change


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_stale_version_is_a_conflict_naming_who_changed_it(database: Database, case: Case) -> None:
    with database.session() as s:
        created = svc(s, case.service).create(case.make(s))
    with database.session() as s:
        svc(s, case.service, Actor("bob")).update(created.id, 1, case.change)
    with database.session() as s, pytest.raises(ConflictError) as err:
        svc(s, case.service, Actor("carol")).update(created.id, 1, case.change)
    assert f"{created.id} is at version 2, not 1: bob changed it at" in err.value.message
    with database.read() as s:
        assert [e.action for e in history.events_for(s, created.id)] == ["create", "update"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_status_rules(database: Database, case: Case) -> None:
    service = case.service
    with database.session() as s:
        created = svc(s, service).create(case.make(s))
        extra = case.with_fields(s, created.id)
    if service.required.get(case.to_status) and extra:
        # The target status refuses the record until its required fields are filled.
        with database.session() as s, pytest.raises(RuleViolationError):
            svc(s, service).transition(created.id, 1, case.to_status)
    with database.session() as s:
        # Someone other than the creator moves it, so that approvals pass separation of duties.
        moved = svc(s, service, Actor("ceo")).transition(created.id, 1, case.to_status, extra)
    assert moved.status == case.to_status
    assert moved.version == 2
    with database.read() as s:
        actions = [e.action for e in history.events_for(s, created.id)]
    approval = service.approval is not None and service.approval.status == case.to_status
    assert actions[:2] == ["create", "approve" if approval else f"status:{case.to_status}"]
    if case.refused_status:
        # A status the rules refuse for a new record, even with the fields above.
        with database.session() as s:
            fresh = svc(s, service).create(case.make(s))
        with database.session() as s, pytest.raises(RuleViolationError) as err:
            svc(s, service).transition(fresh.id, 1, case.refused_status, case.with_fields(s, fresh.id))
        assert fresh.id in err.value.message
    with database.session() as s, pytest.raises(RecordValidationError, match="Status must be one of: "):
        svc(s, service).transition(created.id, moved.version, "no-such-status")
