"""Context of the organisation: issues and interested parties [4.1, 4.2]."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, json_list, short, text


class ContextIssue(Record):
    """An internal or external issue relevant to the AIMS [4.1]."""

    __tablename__ = "context_issues"
    prefix = "CTX"
    record_type = "context_issue"

    title: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    kind: Mapped[str] = short(nullable=False, length=20)
    category: Mapped[str | None] = short()
    effect: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)


class InterestedParty(Record):
    """An interested party and its requirements relevant to the AIMS [4.2]."""

    __tablename__ = "interested_parties"
    prefix = "IP"
    record_type = "interested_party"

    name: Mapped[str] = short(nullable=False)
    kind: Mapped[str] = short(nullable=False, length=20)
    description: Mapped[str | None] = text()
    requirements: Mapped[list[dict[str, Any]]] = json_list()
    owner: Mapped[str | None] = short(index=True)
