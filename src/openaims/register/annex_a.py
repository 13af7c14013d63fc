"""Every register starts with a Statement of Applicability row for each Annex A control [6.1.3 d].

A new register, and an existing one upgraded past the revision that introduced this, gets the
rows it lacks: the catalogue's title, status ``not_assessed``, written through the SoA service
by :data:`SEED_ACTOR` so each row has its history event. A register that holds nothing but
these untouched rows counts as empty (an export restores into it; the rows are replaced).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from openaims.register import history
from openaims.register.actors import Actor, Role
from openaims.register.models.accounts import Account
from openaims.register.models.internal import HistoryEvent, HistoryHead
from openaims.register.models.soa import SoaEntry
from openaims.register.services.soa import NOT_ASSESSED, SoaService, annex_a_titles

#: Who the history names for the rows a register starts with.
SEED_ACTOR = Actor(name="openaims", roles=frozenset({Role.ADMIN}))
#: The schema revision from which registers carry the Annex A rows.
SEED_REVISION = "0009_soa_titles"


def seed_annex_a(session: Session) -> list[str]:
    """Create the SoA row of every Annex A control the register lacks; the ids created."""
    service = SoaService(session, SEED_ACTOR)
    created = []
    for control_id in annex_a_titles():
        if service.for_control(control_id) is None:
            created.append(service.create({"control_id": control_id}, status=NOT_ASSESSED).id)
    return created


def only_seed(session: Session) -> bool:
    """Whether the register's only records and events are the untouched Annex A rows it started with."""
    from openaims.register.services import registry

    events = session.execute(select(HistoryEvent.record_type, HistoryEvent.action, HistoryEvent.actor)).all()
    if not events or any(e != ("soa_entry", "create", SEED_ACTOR.name) for e in events):
        return False
    if session.execute(select(Account.username).limit(1)).first() is not None:
        return False
    for cls in registry().values():
        if cls.model is not SoaEntry and session.execute(select(cls.model.id).limit(1)).first() is not None:
            return False
    rows = session.execute(select(func.count()).select_from(SoaEntry)).scalar_one()
    untouched = session.execute(
        select(func.count()).select_from(SoaEntry).where(SoaEntry.version == 1, SoaEntry.status == NOT_ASSESSED)
    ).scalar_one()
    return rows == untouched == len(events)


def clear_seed(session: Session) -> None:
    """Remove the untouched Annex A rows and their events (before a restore replaces them)."""
    if not only_seed(session):
        raise ValueError("the register holds more than the Annex A rows it started with")
    session.execute(delete(SoaEntry))
    session.execute(delete(HistoryEvent))
    session.execute(update(HistoryHead).where(HistoryHead.id == 1).values(seq=0, hash=history.GENESIS))
    session.flush()
