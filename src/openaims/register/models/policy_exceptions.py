"""Exceptions to the organisation's AI policy, approved like any other record [A.2.2, 6.1.3]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_list, short, text


class PolicyExceptionRecord(Record):
    """An exception to an organisation policy rule: what it excuses, where, who owns it, until when."""

    __tablename__ = "policy_exceptions"
    prefix = "PEX"
    record_type = "policy_exception"

    #: What it excuses, in the policy file's exception vocabulary (``pypi:torch``, ``provider:google``...).
    match: Mapped[str] = short(nullable=False, length=400)
    #: Only violations of this rule (``package.prohibited``); None: any rule.
    rule: Mapped[str | None] = short(length=120)
    #: Only under these paths (globs); empty: anywhere.
    paths: Mapped[list[str]] = json_list()
    #: Only in these repositories (globs such as ``acme/ml-*``); empty: every repository.
    repositories: Mapped[list[str]] = json_list()
    owner: Mapped[str | None] = short(index=True)
    reason: Mapped[str | None] = text()
    expires: Mapped[dt.date | None] = date_col(index=True)
    approver: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
