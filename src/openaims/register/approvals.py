"""Approvals are events: who approves what, the rules they pass, and what is shown afterwards.

Approving a record (a document version, the scope, a Statement of Applicability version,
a risk acceptance, an "accept" treatment, an impact assessment, a change, a management
review, a policy exception) or verifying a corrective action is an act of the identity
signed in at that moment. The record service writes it as an ``approve`` event in the
hash-chained history and sets the record's "approved by / approved on" fields from that
act (the actor and the date of the event): no form, API field or command option names them.

Each record type declares its :class:`ApprovalPoint` as data: which status entering is the
approval, which fields show it, which field the author fills to *ask* someone (a reviewer,
a verifier: the approval happens only when that person acts), the separation-of-duties
rules (:class:`Duty`) and the roles an approval needs (:class:`RoleRule`).

Registers from before approvals were signed keep their typed-in approvals as
``approve-unsigned`` events, shown as "recorded before approvals were signed".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openaims.register import history

#: Action of the event an approval writes.
APPROVE = "approve"
#: Action of the event that keeps an approval typed in before approvals were signed.
UNSIGNED = "approve-unsigned"
#: Action of the event a refused approval writes; its reason is under :data:`history.NOTE`.
REJECT = "reject"
#: How an unsigned approval is described.
UNSIGNED_NOTE = "recorded before approvals were signed"


@dataclass(frozen=True)
class Duty:
    """Separation of duties: nobody named in ``fields`` (or who created the record, with
    ``created_by``) makes the approval. ``rule`` is the stable name a refusal quotes."""

    rule: str
    role: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RoleRule:
    """The approval needs ``role`` (admin or AIMS manager); only when the service's predicate
    ``when`` holds for the record, if one is named."""

    rule: str
    reason: str
    when: str = ""


@dataclass(frozen=True)
class ApprovalPoint:
    """How one record type is approved."""

    #: Past tense shown to people: approved, verified, accepted, closed.
    act: str
    #: Entering this status is the approval; None: the record is approved as it stands
    #: (``approve`` on the service), e.g. an "accept" treatment.
    status: str | None
    #: Fields that show who and when; set by the register from the approving event.
    by_field: str | None = None
    on_field: str | None = None
    #: A field the author fills to ask someone to approve: only that person then approves.
    request_field: str | None = None
    duties: tuple[Duty, ...] = ()
    roles: tuple[RoleRule, ...] = ()
    #: Name of a service predicate saying whether a record needs this approval at all.
    applies: str = ""

    @property
    def verb(self) -> str:
        return {"approved": "approve", "verified": "verify", "accepted": "accept", "closed": "close"}.get(
            self.act, "approve"
        )

    def register_fields(self) -> frozenset[str]:
        """Fields nobody types: the register sets them when someone approves."""
        return frozenset(f for f in (self.by_field, self.on_field) if f and f != self.request_field)


@dataclass(frozen=True)
class Approval:
    """One approval of a record, as its history event shows it."""

    record_id: str
    act: str
    by: str
    at: dt.datetime
    on: dt.date | None
    signed: bool
    seq: int

    def describe(self) -> str:
        if self.signed:
            return f"{self.act} by {self.by} on {(self.on or self.at.date()).isoformat()}"
        text = self.act + (f" by {self.by}" if self.by else "") + (f" on {self.on.isoformat()}" if self.on else "")
        return f"{text} ({UNSIGNED_NOTE})"


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def from_event(point: ApprovalPoint, event: history.EventOut) -> Approval:
    after: Mapping[str, Any] = event.after if isinstance(event.after, Mapping) else {}
    signed = event.action == APPROVE
    by = event.actor
    on: dt.date | None = event.at.date()
    if not signed:
        by = str(after.get(point.by_field or "", "") or "")
        on = _date(after.get(point.on_field or "")) if point.on_field else None
    return Approval(event.record_id, point.act, by, event.at, on, signed, event.seq)


def approvals_of(session: Session, point: ApprovalPoint, record_id: str) -> list[Approval]:
    """Every approval of ``record_id``, oldest first, from its history."""
    return [
        from_event(point, e) for e in history.events_for(session, record_id) if e.action in (APPROVE, UNSIGNED)
    ]


#: Who records the unsigned approvals of a register upgraded to signed approvals.
UPGRADE_ACTOR = "register upgrade"


def typed_in(point: ApprovalPoint, row: Any) -> bool:
    """Whether ``row`` was approved before approvals were events."""
    if point.request_field:  # a named reviewer or verifier is only a request until the approval
        return bool(row.status in (point.status, "superseded"))
    if point.by_field:
        return bool(getattr(row, point.by_field, None))
    return bool(row.status == point.status)


def record_unsigned_approvals(session: Session, *, at: dt.datetime | None = None) -> list[str]:
    """Give every record approved without an approval event an ``approve-unsigned`` event; the ids."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import select

    from openaims.register.services.base import registry

    tables = set(sa_inspect(session.get_bind()).get_table_names())
    if "history_events" not in tables:
        return []
    moment = at or dt.datetime.now(dt.UTC)
    done: list[str] = []
    for record_type, cls in sorted(registry().items()):
        point = cls.approval
        if point is None or cls.model.__tablename__ not in tables:
            continue
        # Only the columns this needs, read as stored: later schema changes leave this step working.
        table = cls.model.__table__
        columns = [table.c.id, table.c.status, *(table.c[f] for f in (point.by_field,) if f)]
        for row in session.execute(select(*columns).order_by(table.c.id)).all():
            if not typed_in(point, row):
                continue
            events = history.events_for(session, row.id)
            if any(e.action in (APPROVE, UNSIGNED) for e in events) or not events or events[-1].after is None:
                continue  # signed already, or a record the history never had (verify names those)
            state = {k: v for k, v in events[-1].after.items() if k != history.NOTE}
            history.append(
                session, record_id=row.id, record_type=record_type, action=UNSIGNED, actor=UPGRADE_ACTOR,
                before=state, after=state, at=moment,
            )  # fmt: skip
            done.append(row.id)
    return done
