"""Exceptions to organisation policy rules [A.2.2, 6.1.3].

A repository's own ``aims-policy.yaml`` may add rules and excuse violations of them, but
it cannot excuse a violation of an organisation rule: that takes one of these records,
``requested`` by anyone who may write, ``approved`` by an admin or AIMS manager (never by
whoever requested it), with an owner, a reason and an expiry date. An approved
exception applies to the repositories it names until it expires or is ``revoked``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import StringConstraints, field_validator

from openaims.register.approvals import ApprovalPoint, Duty
from openaims.register.models.policy_exceptions import PolicyExceptionRecord
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require, today
from openaims.register.services.types import RequiredText, Short, closed

Pattern = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class PolicyExceptionFields(RecordFields):
    """What an exception excuses (``match``, optionally ``rule``, ``paths``, ``repositories``),
    its owner, reason and expiry."""

    match: Pattern
    rule: Short = None
    paths: list[Pattern] = []
    repositories: list[Pattern] = []
    owner: Short = None
    reason: RequiredText
    expires: dt.date | None = None
    approver: Short = None
    approved_on: dt.date | None = None

    @field_validator("paths", "repositories")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        from openaims.discovery.globs import GlobError, compile_glob

        for item in value:
            try:
                compile_glob(item)
            except GlobError as exc:
                raise ValueError(f"{item!r}: {exc}") from None
        return value


class PolicyExceptionOut(PolicyExceptionFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class PolicyExceptionService(RecordService[PolicyExceptionFields, PolicyExceptionOut]):
    """``requested`` -> ``approved`` (admin or AIMS manager, not the requester) -> ``revoked``."""

    model = PolicyExceptionRecord
    fields = PolicyExceptionFields
    out = PolicyExceptionOut
    initial_status = "requested"
    transitions = closed(
        ("requested", ("approved", "revoked")),
        ("approved", ("revoked",)),
        ("revoked", ("requested",)),
    )
    required = {"requested": ("owner", "reason", "expires"), "approved": ("owner", "reason", "expires")}
    manager_statuses = frozenset({"approved"})
    frozen_statuses = frozenset({"approved"})
    search_fields = ("match", "reason", "owner")
    label_field = "match"
    approval = ApprovalPoint(
        "approved", "approved", by_field="approver", on_field="approved_on",
        duties=(Duty("requester is not approver", "requester", ("created_by",)),),
    )  # fmt: skip

    def prepare(
        self, record_id: str, before: PolicyExceptionOut | None, fields: PolicyExceptionFields, status: str
    ) -> PolicyExceptionFields:
        update: dict[str, Any] = {}
        if status != "approved" and (fields.approver or fields.approved_on):
            update["approver"], update["approved_on"] = None, None
        return fields.model_copy(update=update) if update else fields

    def check(
        self, record_id: str, before: PolicyExceptionOut | None, fields: PolicyExceptionFields, status: str
    ) -> None:
        if fields.expires is not None and (before is None or fields.expires != before.expires):
            require(fields.expires >= today(), f"{record_id}: expires {fields.expires} is in the past")

    def in_force(self, on: dt.date | None = None) -> list[PolicyExceptionOut]:
        """Approved exceptions that have not expired on ``on`` (today)."""
        day = on or today()
        return [e for e in self.all(status="approved") if e.expires is None or e.expires >= day]
