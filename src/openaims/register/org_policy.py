"""The organisation's AI policy as code, under document control [5.2, 7.5].

The organisation policy is a controlled document of kind ``policy-as-code``: each
version holds the policy file (the same YAML as ``aims-policy.yaml``), is written as a
draft, and applies once approved by an admin or AIMS manager other than its author;
approving a version makes the one before obsolete. Organisation scans and
``aims check --push`` judge every repository by the approved version, plus the approved
exception records (:mod:`openaims.register.services.policy_exceptions`) that name the
repository.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openaims.discovery.globs import glob_match
from openaims.errors import NotFoundError, PermissionDeniedError
from openaims.policy.schema import Policy, PolicyException, parse_policy
from openaims.register.actors import Actor
from openaims.register.services.base import today
from openaims.register.services.documents import (
    DocumentOut,
    DocumentService,
    DocumentVersionOut,
    DocumentVersionService,
)
from openaims.register.services.policy_exceptions import PolicyExceptionOut, PolicyExceptionService

#: The document kind that holds the organisation policy.
KIND = "policy-as-code"
TITLE = "Organisation AI policy (policy as code)"
#: Months until an approved version is due for review.
REVIEW_MONTHS = 12


@dataclass(frozen=True, slots=True)
class OrgPolicy:
    """The organisation policy in force: its parsed rules and the version they come from."""

    policy: Policy
    version_id: str
    number: int
    approved_on: dt.date | None
    approver: str | None


def document(session: Session, actor: Actor) -> DocumentOut | None:
    """The organisation policy document, if one was written."""
    found = DocumentService(session, actor).all(kind=KIND)
    return sorted(found, key=lambda d: d.id)[0] if found else None


def versions(session: Session, actor: Actor) -> list[DocumentVersionOut]:
    """Every version of the organisation policy, oldest first."""
    doc = document(session, actor)
    return DocumentService(session, actor).versions(doc.id) if doc is not None else []


def propose(session: Session, actor: Actor, text: str, *, summary: str | None = None) -> DocumentVersionOut:
    """A new draft version of the organisation policy (checked as a policy file first)."""
    parse_policy(text, "organisation policy")  # PolicyError names the line of each problem
    doc = document(session, actor)
    if doc is None:
        doc = DocumentService(session, actor).create(
            {"title": TITLE, "kind": KIND, "owner": actor.name, "review_interval_months": REVIEW_MONTHS,
             "description": "The AI policy every repository of the organisation is checked against "
             "(aims org policy); repositories may add rules in their own aims-policy.yaml, never remove these."}
        )  # fmt: skip
    return DocumentVersionService(session, actor).create(
        {"document_id": doc.id, "content": text, "change_summary": summary, "author": actor.name}
    )


def approve(session: Session, actor: Actor, version_id: str | None = None) -> DocumentVersionOut:
    """Approve a draft version (the newest draft when none is named): it applies from now on."""
    service = DocumentVersionService(session, actor)
    if version_id is None:
        drafts = [v for v in versions(session, actor) if v.status in {"draft", "in_review"}]
        if not drafts:
            raise NotFoundError("no draft of the organisation policy waits for approval; write one with "
                                "'aims org policy set FILE'")  # fmt: skip
        version = drafts[-1]
    else:
        version = service.get(version_id)
        doc = document(session, actor)
        if doc is None or version.document_id != doc.id:
            raise NotFoundError(f"{version_id} is not a version of the organisation policy")
    if not actor.is_manager:
        raise PermissionDeniedError(
            f"only an admin or AIMS manager approves the organisation policy; {actor.name} is {actor.role_label}"
        )
    if version.author and version.author in actor.identities:
        raise PermissionDeniedError(
            f"{version.id}: separation of duties: the author of a policy version does not approve it; "
            f"{actor.name} wrote it, so another admin or AIMS manager approves it"
        )
    parse_policy(version.content or "", f"organisation policy {version.id}")
    if version.status == "draft":
        version = service.transition(version.id, version.version, "in_review")
    return service.update(
        version.id,
        version.version,
        {"status": "approved", "next_review": today() + dt.timedelta(days=REVIEW_MONTHS * 365 // 12)},
    )  # fmt: skip


def in_force(session: Session, actor: Actor) -> OrgPolicy | None:
    """The approved organisation policy, or None when there is none yet."""
    doc = document(session, actor)
    if doc is None:
        return None
    current = DocumentService(session, actor).current_version(doc.id)
    if current is None:
        return None
    policy = parse_policy(current.content or "", f"organisation policy {current.id}")
    return OrgPolicy(policy, current.id, current.number, current.approved_on, current.approver)


def exception_rule(record: PolicyExceptionOut) -> PolicyException:
    """An approved exception record as the policy engine reads exceptions."""
    return PolicyException(
        match=record.match,
        owner=record.owner or record.created_by,
        reason=record.reason,
        expires=record.expires or dt.date.max,
        rule=record.rule,
        paths=tuple(record.paths),
        id=record.id,
    )


def exceptions_for(
    session: Session, actor: Actor, repository: str, *, on: dt.date | None = None
) -> list[PolicyException]:
    """Approved, unexpired exception records that apply to ``repository``."""
    found = PolicyExceptionService(session, actor).in_force(on)
    return [
        exception_rule(record)
        for record in found
        if not record.repositories or any(glob_match(p, repository) for p in record.repositories)
    ]
