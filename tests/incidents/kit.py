"""Incidents, a settable clock, and evidence for incident playbook tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor, Role
from openaims.register.services import EvidenceService
from openaims.register.services.incidents import IncidentService

ADMIN = Actor("admin")
CAROL = Actor("carol", frozenset({Role.CONTRIBUTOR}))
START = dt.datetime(2026, 8, 10, 9, 0, tzinfo=dt.UTC)
REVIEW = ("The retrieval tool answered with another customer's history because the session filter was dropped "
          "in release 4.2; filters are now tested and releases need a second reviewer.")  # fmt: skip


class Clock:
    """Now is ``at`` (moved by tests); each call advances one second so events stay ordered."""

    def __init__(self, at: dt.datetime = START) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        self.at += dt.timedelta(seconds=1)
        return self.at


def service(session: Session, clock: Clock, actor: Actor = ADMIN) -> IncidentService:
    return IncidentService(session, actor, clock=clock)


def incident(session: Session, clock: Clock, severity: str = "high", **fields: Any) -> Any:
    data = {"title": "Chatbot disclosed another customer's loan balance", "severity": severity, "owner": "carol",
            **fields}  # fmt: skip
    return service(session, clock).create(data)


def preserve_evidence(session: Session, folder: Path, incident_id: str) -> Any:
    return EvidenceService(session, ADMIN, evidence_dir=folder).add_link(
        "https://example.com/incident-logs", title="Conversation logs and model version", record_ids=[incident_id]
    )
