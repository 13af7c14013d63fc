"""Internal audit programme, audits and findings [9.2]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_list, ref, short, text


class AuditProgramme(Record):
    """The internal audit programme for a period [9.2.2]."""

    __tablename__ = "audit_programmes"
    prefix = "AP"
    record_type = "audit_programme"

    title: Mapped[str] = short(nullable=False)
    period_start: Mapped[dt.date | None] = date_col()
    period_end: Mapped[dt.date | None] = date_col()
    objectives: Mapped[str | None] = text()
    scope: Mapped[str | None] = text()
    criteria: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)


class Audit(Record):
    """One internal audit; the auditor must not own an audited process [9.2.2]."""

    __tablename__ = "audits"
    prefix = "AUD"
    record_type = "audit"

    programme_id: Mapped[str | None] = ref("audit_programmes")
    title: Mapped[str] = short(nullable=False)
    processes: Mapped[list[str]] = json_list()
    clauses: Mapped[list[str]] = json_list()
    criteria: Mapped[str | None] = text()
    auditor: Mapped[str] = short(nullable=False)
    planned_on: Mapped[dt.date | None] = date_col()
    performed_on: Mapped[dt.date | None] = date_col(index=True)
    report: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)


class Finding(Record):
    """An audit finding graded major, minor, observation or opportunity for improvement [9.2]."""

    __tablename__ = "audit_findings"
    prefix = "FIND"
    record_type = "finding"

    audit_id: Mapped[str] = ref("audits", nullable=False)
    grade: Mapped[str] = short(nullable=False, length=20, index=True)
    clause_ref: Mapped[str | None] = short(length=40)
    control_ref: Mapped[str | None] = short(length=40)
    description: Mapped[str] = text()
    nonconformity_id: Mapped[str | None] = ref("nonconformities")
    owner: Mapped[str | None] = short(index=True)
