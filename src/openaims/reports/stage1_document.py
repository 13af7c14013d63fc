"""The Stage 1 report as a document people read (PDF and Word), built from one register snapshot.

Every status printed is the readiness engine's (the same as ``aims readiness``): the report
never computes a status of its own. Where the register holds nothing, the report says so
as a marked gap.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from openaims.readiness.model import SCORE_BASIS, ItemResult, Status
from openaims.readiness.snapshot import Snapshot
from openaims.reports.document import Bullets, Document, Fields, Gap, Heading, Meta, Para, SignOff, table
from openaims.reports.records import describe
from openaims.reports.stage1 import PDF_LINKS, some_links

LABELS = {
    Status.MET: "met",
    Status.PARTIAL: "partial",
    Status.MISSING: "missing",
    Status.NOT_APPLICABLE: "not applicable",
}
LEGEND = (
    "met: every check of the clause or control is satisfied by records in the register.",
    "partial: some checks are satisfied, others are not; the reasons say which.",
    "missing: no check is satisfied; the clause or control is a gap.",
    "not applicable: the control is excluded in the Statement of Applicability, with a justification.",
    "GAP: something the register does not hold; it must be provided before the audit.",
    f"Readiness score: {SCORE_BASIS}.",
    "Documented information: found (every check met), incomplete (some met) or missing, "
    "per item the standard requires.",
)  # fmt: skip


def _latest_versions(snap: Snapshot) -> dict[str, tuple[Any | None, Any | None]]:
    """Per document: its newest approved version and a newer version still in progress."""
    found: dict[str, tuple[Any | None, Any | None]] = {}
    for version in sorted(snap.of("document_version"), key=lambda v: v.number):
        approved, _ = found.get(version.document_id, (None, None))
        if version.status == "approved":
            found[version.document_id] = (version, None)
        else:
            found[version.document_id] = (approved, version)
    return found


def _scope(doc: Document, snap: Snapshot) -> None:
    doc.add(Heading("1. Scope of the AI management system (clause 4.3)"))
    scope = snap.approved_scope()
    scopes = snap.of("scope")
    if scope is None and scopes:
        scope = scopes[-1]
        doc.add(Gap(f"the scope {scope.id} is {scope.status}, not approved"))
    if scope is None:
        doc.add(Gap("no AIMS scope in the register ('aims scope add')"))
        return
    systems = snap.by_id("system")
    included = [f"{s} {systems[s].name}" if s in systems else s for s in scope.included_system_ids]
    doc.add(
        Para(scope.statement) if scope.statement else Gap(f"the scope {scope.id} has no statement"),
        Fields(
            (
                ("Scope record", f"{scope.id} {scope.title} ({scope.status})"),
                ("AI systems included", ", ".join(included) or None),
                ("Units", ", ".join(scope.units) or None),
                ("Locations", ", ".join(scope.locations) or None),
                ("Approved by", scope.approver),
                ("Approved on", scope.approved_on.isoformat() if scope.approved_on else None),
            )
        ),
    )


def _context(doc: Document, snap: Snapshot) -> None:
    doc.add(Heading("2. Context of the organisation (clauses 4.1 and 4.2)"))
    issues = snap.of("context_issue")
    doc.add(Heading("Internal and external issues (4.1)", 2))
    if issues:
        doc.add(table(("Issue", "Kind", "Description and effect"), [
            (f"{i.id} {i.title}", i.kind, " ".join(x for x in (i.description, i.effect) if x)) for i in issues
        ], (3, 1, 6)))  # fmt: skip
    else:
        doc.add(Gap("no context issues in the register"))
    parties = snap.of("interested_party")
    doc.add(Heading("Interested parties and their requirements (4.2)", 2))
    if parties:
        rows = []
        for p in parties:
            needs = "; ".join(str(getattr(r, "requirement", None) or r) for r in p.requirements)
            rows.append((f"{p.id} {p.name}", p.kind, needs or "GAP: no requirements recorded"))
        doc.add(table(("Interested party", "Kind", "Requirements"), rows, (3, 1, 6)))
    else:
        doc.add(Gap("no interested parties in the register"))


def _documents(doc: Document, snap: Snapshot) -> None:
    doc.add(Heading("3. AIMS documents (clause 7.5)"))
    documents = snap.of("document")
    if not documents:
        doc.add(Gap("no controlled documents in the register"))
        return
    latest = _latest_versions(snap)
    rows = []
    for d in documents:
        approved, newer = latest.get(d.id, (None, None))
        pending = f"; version {newer.number} ({newer.id}) is {newer.status}" if newer is not None else ""
        if approved is None:
            shown = f"GAP: no approved version{pending}"
            rows.append((d.id, d.title, d.kind, shown, newer.author if newer else "", "GAP: not approved", ""))
            continue
        on = approved.approved_on.isoformat() if approved.approved_on else "no date recorded"
        rows.append((
            d.id, d.title, d.kind, f"{approved.number} ({approved.id}){pending}", approved.author or "",
            f"{approved.approver or 'not recorded'} on {on}",
            approved.next_review.isoformat() if approved.next_review else "",
        ))  # fmt: skip
    doc.add(
        table(("Id", "Document", "Kind", "Version", "Author", "Approved", "Next review"), rows, (2, 5, 2, 2, 2, 4, 2))
    )


def _soa(doc: Document, snap: Snapshot, items: dict[str, ItemResult]) -> None:
    doc.add(Heading("4. Statement of Applicability summary (clause 6.1.3 d)"))
    rows = [r for r in snap.of("soa_entry") if str(r.control_id).startswith("A.")]
    versions = [v for v in snap.of("soa_version") if v.status == "approved"]
    if versions:
        v = max(versions, key=lambda x: x.number)
        doc.add(Para(f"Approved version {v.number} ({v.id}) by {v.approver or 'not recorded'} on "
                     f"{v.approved_on.isoformat() if v.approved_on else 'no date recorded'}."))  # fmt: skip
    else:
        doc.add(Gap("no approved version of the Statement of Applicability"))
    if not rows:
        doc.add(Gap("no Statement of Applicability rows"))
        return
    applicable = sum(1 for r in rows if r.applicable)
    statuses = Counter(str(r.status).replace("_", " ") for r in rows if r.applicable)
    doc.add(Para(f"{len(rows)} Annex A controls: {applicable} applicable, {len(rows) - applicable} excluded. "
                 "Implementation of the applicable ones: "
                 + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + "."))  # fmt: skip
    doc.add(table(("Control", "Applicable", "Implementation", "Readiness", "Justification"), [
        (f"{r.control_id} {items[r.control_id].title if r.control_id in items else ''}",
         "yes" if r.applicable else "excluded", str(r.status).replace("_", " "),
         LABELS[items[r.control_id].status] if r.control_id in items else "",
         r.justification or "GAP: no justification")
        for r in rows
    ], (4, 1, 2, 2, 6)))  # fmt: skip


def _records(ids: list[str], snap: Snapshot) -> list[str]:
    found = {r.id: r for rows in snap.records.values() for r in rows}
    return [describe(found[i]) if i in found else i for i in ids]


def build_document(report: Any, snap: Snapshot, *, author: str | None = None) -> Document:
    """The Stage 1 report of ``report`` (a :class:`~openaims.reports.stage1.Stage1Report`)."""
    readiness = report.readiness
    items = {i.id: i for i in readiness.items}
    totals = readiness.totals()
    doc = Document(Meta(
        organisation=report.organisation, title="Stage 1 readiness report (ISO/IEC 42001:2023)",
        version=f"as of {report.as_of.isoformat()}", date=report.as_of, author=author,
        approver=None, generator=report.generator_name,
    ))  # fmt: skip
    doc.add(
        Para(f"{report.stamp}."),
        Fields((
            ("Organisation", report.organisation),
            ("Standard", "ISO/IEC 42001:2023, clauses 4 to 10 and Annex A"),
            ("Assessed as of", report.as_of.isoformat()),
            ("Readiness score", f"{readiness.score()}%: {totals['met']} met, {totals['partial']} partial, "
                                f"{totals['missing']} missing, {totals['not_applicable']} not applicable"),
            ("Readiness rules", readiness.rules_version),
        )),
    )  # fmt: skip
    _scope(doc, snap)
    _context(doc, snap)
    _documents(doc, snap)
    _soa(doc, snap, items)
    doc.add(Heading("5. Readiness per clause (clauses 4 to 10)"))
    by_clause: dict[str, list[Any]] = {}
    for d in report.documents:
        by_clause.setdefault(d.clause, []).append(d)
    for item in report.clauses:
        doc.add(Heading(f"{item.id} {item.title}: {LABELS[item.status]}", 2))
        if item.status in (Status.MISSING, Status.PARTIAL):
            doc.add(*(Gap(r) for r in item.reasons if r))
        doc.add(Bullets(tuple(item.reasons)))
        for d in by_clause.get(item.id, []):
            doc.add(Para(f"Documented information {d.id} ({d.retention}): {d.what}: {d.presence.value}."))
        records = _records(item.links[:PDF_LINKS], snap)
        if len(item.links) > PDF_LINKS:
            records.append(f"and {len(item.links) - PDF_LINKS:,} more (listed in the HTML report)")
        if records:
            doc.add(Para("Records:"), Bullets(tuple(records)))
        else:
            doc.add(Gap(f"no records support {item.id}"))
    doc.add(Heading("6. Readiness of the Annex A controls"))
    doc.add(table(("Control", "Status", "Reasons", "Records"), [
        (f"{i.id} {i.title}", LABELS[i.status], "; ".join(i.reasons), some_links(i.links))
        for i in report.controls
    ], (4, 2, 6, 3)))  # fmt: skip
    doc.add(Heading("7. Open gaps"))
    gaps = [i for i in readiness.items if i.status in (Status.MISSING, Status.PARTIAL)]
    missing_docs = [d for d in report.documents if d.presence.value != "found"]
    if gaps or missing_docs:
        doc.add(table(("Item", "Status", "What is missing"), [
            *((f"{i.id} {i.title}", LABELS[i.status], "; ".join(i.reasons)) for i in gaps),
            *((f"{d.id} {d.what}", d.presence.value, "; ".join(d.reasons)) for d in missing_docs),
        ], (4, 1, 7)))  # fmt: skip
    else:
        doc.add(Para("No open gaps: every clause and applicable control is met."))
    doc.add(Heading("8. Legend"), Bullets(LEGEND))
    doc.add(Heading("9. Sign-off"), Para("Reviewed and accepted as the basis of the Stage 1 audit."),
            SignOff((("Prepared by (AIMS manager)", author), ("Approved by (top management)", None),
                     ("Received by (lead auditor)", None))))  # fmt: skip
    return doc


__all__ = ["LEGEND", "build_document"]
