"""The internal audit report [9.2] as a document people read (PDF, Word, Markdown).

Built from one register snapshot: the programme the audit belongs to, its scope (processes,
clauses with the standard's headings), criteria, auditor and dates, every finding with the
clause or control it concerns and the nonconformity it raised, the conclusions and a sign-off
block. What the register lacks is printed as a marked gap.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from openaims.errors import NotFoundError
from openaims.readiness.snapshot import Snapshot
from openaims.reports.document import Bullets, Document, Fields, Gap, Heading, Meta, Para, SignOff, table
from openaims.reports.standard import heading

GRADES = (
    ("major", "major nonconformity"),
    ("minor", "minor nonconformity"),
    ("observation", "observation"),
    ("ofi", "opportunity for improvement"),
)
GRADE_LABELS = dict(GRADES)


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def build_audit_report(
    snap: Snapshot,
    audit_id: str,
    *,
    organisation: str,
    approver: str | None = None,
    generator: str = "",
) -> Document:
    """The report of internal audit ``audit_id``; ``approver``: who completed it, when history says so."""
    audits = snap.by_id("audit")
    audit = audits.get(audit_id)
    if audit is None:
        raise NotFoundError(f"no internal audit {audit_id!r}; 'aims audit list' shows the audits")
    programme = snap.by_id("audit_programme").get(audit.programme_id or "")
    findings = sorted((f for f in snap.of("finding") if f.audit_id == audit.id), key=lambda f: (len(f.id), f.id))
    nonconformities = snap.by_id("nonconformity")
    doc = Document(Meta(
        organisation=organisation, title=f"Internal audit report {audit.id}: {audit.title}",
        version=f"record version {audit.version} ({audit.status.replace('_', ' ')})",
        date=audit.performed_on or snap.today, author=audit.auditor, approver=approver, generator=generator,
    ))  # fmt: skip
    doc.add(Para("Report of an internal audit of the AI management system (ISO/IEC 42001:2023, clause 9.2)."))
    doc.add(Heading("1. Audit programme (clause 9.2.2)"))
    if programme is None:
        doc.add(Gap(f"{audit.id} belongs to no audit programme ('aims audit update {audit.id} --programme-id AP-N')"))
    else:
        doc.add(Fields((
            ("Programme", f"{programme.id} {programme.title} ({programme.status})"),
            ("Period", f"{_day(programme.period_start) or '?'} to {_day(programme.period_end) or '?'}"
             if programme.period_start or programme.period_end else None),
            ("Objectives", programme.objectives),
            ("Programme owner", programme.owner),
        )))  # fmt: skip
    doc.add(Heading("2. Scope, criteria and auditor (clause 9.2.2)"))
    doc.add(Fields((
        ("Audit", f"{audit.id} {audit.title}"),
        ("Status", audit.status.replace("_", " ")),
        ("Processes audited", ", ".join(audit.processes) or None),
        ("Audit criteria", audit.criteria or (programme.criteria if programme is not None else None)),
        ("Auditor", audit.auditor),
        ("Planned on", _day(audit.planned_on)),
        ("Performed on", _day(audit.performed_on)),
    )))  # fmt: skip
    doc.add(Heading("Clauses and controls audited", 2))
    if audit.clauses:
        doc.add(Bullets(tuple(heading(c) for c in audit.clauses)))
    else:
        doc.add(Gap("the audit names no clauses or controls of ISO/IEC 42001"))
    doc.add(Heading("3. Findings (clause 9.2)"))
    if findings:
        counts = Counter(f.grade for f in findings)
        doc.add(Para("; ".join(f"{label}: {counts.get(grade, 0)}" for grade, label in GRADES) + "."))
        rows = []
        for f in findings:
            refs = "; ".join(heading(r) for r in (f.clause_ref, f.control_ref) if r) or "GAP: no clause or control"
            nc = nonconformities.get(f.nonconformity_id or "")
            if nc is not None:
                raised = f"{nc.id} {nc.title} ({nc.status.replace('_', ' ')})"
            elif f.grade in ("major", "minor"):
                raised = "GAP: no nonconformity recorded"
            else:
                raised = ""
            rows.append((f.id, GRADE_LABELS.get(f.grade, f.grade), refs, f.description, raised, f.status))
        doc.add(table(("Finding", "Grade", "Clause / control", "Description", "Nonconformity", "Status"), rows,
                      (2, 2, 4, 7, 4, 1)))  # fmt: skip
    elif audit.status == "completed":
        doc.add(Para("No findings were recorded in this audit."))
    else:
        doc.add(Gap(f"no findings recorded yet; the audit is {audit.status.replace('_', ' ')}"))
    doc.add(Heading("4. Conclusions"))
    doc.add(Para(audit.report) if audit.report else Gap("the audit has no report text (its conclusions)"))
    doc.add(Heading("5. Sign-off"))
    doc.add(SignOff((("Auditor", audit.auditor), ("Accepted by (management)", approver))))
    return doc


def completed_by(events: Any, audit_id: str) -> str | None:
    """Who moved ``audit_id`` to completed, from its history events (dicts or events)."""
    who = None
    for event in events:
        get = event.get if isinstance(event, dict) else lambda k, e=event: getattr(e, k)
        if get("record_id") != audit_id:
            continue
        after = get("after") or {}
        before = get("before") or {}
        moved = (before or {}).get("status") != "completed"
        if isinstance(after, dict) and after.get("status") == "completed" and moved:
            who = get("actor")
    return who


__all__ = ["build_audit_report", "completed_by"]
