"""Pack section ``reports``: the documents people read, as PDF and Word, for the records a pack holds.

The internal audit report of each audit under way or completed, the minutes of each management
review held or closed, the risk register and treatment plan, and the Statement of Applicability
(the newest approved version). Each is built from the register as of the pack's day, so packs
stay byte-identical for the same register and day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from openaims.readiness.snapshot import Snapshot
from openaims.reports.document import DocFormat, Document, render
from openaims.reports.pack.builtin import safe_name
from openaims.reports.pack.sections import PackContext, PackFile, section

#: Record types a pack's scope narrows: the documents show only the included ones of these.
SCOPED = ("audit", "finding", "risk", "treatment", "management_review", "review_action", "soa_version")
FORMATS = (DocFormat.PDF, DocFormat.DOCX)


def scoped_snapshot(ctx: PackContext) -> Snapshot:
    """The pack-day snapshot with the scoped record types cut down to the records the pack includes."""
    included = ctx.included
    snap = ctx.view.snapshot
    records = {
        kind: tuple(r for r in rows if r.id in included) if kind in SCOPED else rows
        for kind, rows in snap.records.items()
    }
    return Snapshot(records, snap.today)


def approvers(events: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Per record, who approved it last, from its history events (signed approvals and status moves)."""
    from openaims.register.approvals import APPROVE

    found: dict[str, str] = {}
    for event in events:
        after, before = event.get("after") or {}, event.get("before") or {}
        status = after.get("status") if isinstance(after, dict) else None
        moved = status in ("completed", "closed") and (before or {}).get("status") != status
        if event.get("action") == APPROVE or moved:
            found[str(event["record_id"])] = str(event.get("actor") or "")
    return found


def _files(folder: str, name: str, document: Document, source: str | None) -> Iterator[PackFile]:
    for fmt in FORMATS:
        yield PackFile(f"reports/{folder}/{name}.{fmt.value}", render(document, fmt), source=source)


@section("reports", order=35, description="internal audit reports, management review minutes, the risk register "
         "and treatment plan and the Statement of Applicability, as PDF and Word")  # fmt: skip
def report_files(ctx: PackContext) -> Iterator[PackFile]:
    from openaims.reports.audit_report import build_audit_report
    from openaims.reports.review_minutes import Minutes, to_document
    from openaims.reports.risk_register import build_risk_register

    snap = scoped_snapshot(ctx)
    signed = approvers(ctx.events)
    for audit in snap.of("audit", "in_progress", "completed"):
        document = build_audit_report(snap, audit.id, organisation=ctx.organisation, approver=signed.get(audit.id),
                                      generator=ctx.generator)  # fmt: skip
        yield from _files("internal-audits", safe_name(f"{audit.id} {audit.title}", audit.id), document, audit.id)
    for review in snap.of("management_review", "held", "closed"):
        actions = [a for a in snap.of("review_action") if a.review_id == review.id]
        moment = dt.datetime.combine(ctx.as_of, dt.time(), tzinfo=dt.UTC)
        minutes = Minutes(review, actions, moment, signed.get(review.id))
        document = to_document(minutes, organisation=ctx.organisation)
        yield from _files("management-reviews", safe_name(f"{review.id} {review.title}", review.id), document,
                          review.id)  # fmt: skip
    if snap.of("risk"):
        system = ctx.scope.target if ctx.scope.kind.value == "system" else None
        document = build_risk_register(snap, organisation=ctx.organisation, generator=ctx.generator, system_id=system)
        yield from _files("risks", "AI risk register and treatment plan", document, None)
    yield from _soa(ctx, snap)


def _soa(ctx: PackContext, snap: Snapshot) -> Iterator[PackFile]:
    from openaims.reports import soa as soa_report

    approved = [v for v in snap.of("soa_version") if v.status == "approved"]
    if not approved:
        return
    version = max(approved, key=lambda v: v.number)
    moment = dt.datetime.combine(ctx.as_of, dt.time(), tzinfo=dt.UTC)
    document = soa_report.from_version(version, ctx.organisation, now=moment)
    name = safe_name(f"Statement of Applicability v{version.number}", version.id)
    # The shared document model's renderers are deterministic (fixed dates, invariant PDF ids).
    yield from _files("soa", name, soa_report.to_document(document), version.id)


__all__ = ["approvers", "report_files", "scoped_snapshot"]
