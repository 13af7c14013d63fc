"""The AI risk register and risk treatment plan [6.1.2, 6.1.3, 8.2, 8.3] as a document people read.

Built from one register snapshot: the risk method in use (scales and appetite), every risk with
its systems, source, inherent and residual rating and owner, then every treatment with its option,
the Annex A controls it applies (with their headings), owner, due date and approval. A risk that
needs treatment and has none, or a rating not yet assessed, is printed as a marked gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openaims.readiness.snapshot import Snapshot
from openaims.reports.document import Bullets, Document, Fields, Gap, Heading, Meta, Para, SignOff, table
from openaims.reports.standard import heading


def _order(records: Iterable[Any]) -> list[Any]:
    return sorted(records, key=lambda r: (len(r.id), r.id))


def _rating(rating: str | None, likelihood: int | None, impact: int | None) -> str:
    if rating is None and likelihood is None:
        return "GAP: not assessed"
    levels = f" (L{likelihood} x I{impact})" if likelihood is not None and impact is not None else ""
    return f"{rating or 'not rated'}{levels}"


def _above(rating: str | None, method: Any | None) -> bool:
    if method is None or rating is None or rating not in method.rating_levels:
        return False
    levels = list(method.rating_levels)
    return method.appetite in levels and levels.index(rating) > levels.index(method.appetite)


def build_risk_register(
    snap: Snapshot,
    *,
    organisation: str,
    author: str | None = None,
    approver: str | None = None,
    generator: str = "",
    system_id: str | None = None,
) -> Document:
    """The risk register and treatment plan (of one system's risks with ``system_id``)."""
    methods = snap.by_id("risk_method")
    systems = snap.by_id("system")
    risks = _order(r for r in snap.of("risk") if system_id is None or system_id in r.system_ids)
    wanted = {r.id for r in risks}
    treatments = _order(t for t in snap.of("treatment") if t.risk_id in wanted)
    of_risk: dict[str, list[Any]] = {}
    for t in treatments:
        of_risk.setdefault(t.risk_id, []).append(t)
    subject = f" of {system_id} {systems[system_id].name}" if system_id in systems else ""
    doc = Document(Meta(
        organisation=organisation, title=f"AI risk register and treatment plan{subject}",
        version=f"as of {snap.today.isoformat()}", date=snap.today, author=author, approver=approver,
        generator=generator,
    ))  # fmt: skip
    doc.add(Para(
        "The AI risks the organisation has identified, their assessment, and the treatments chosen "
        "(ISO/IEC 42001:2023 clauses 6.1.2, 6.1.3, 8.2 and 8.3)."
    ))
    doc.add(Heading(f"1. Risk assessment method ({heading('6.1.2')})"))
    approved = snap.of("risk_method", "approved")
    if approved:
        method = approved[-1]
        doc.add(Fields((
            ("Method", f"{method.id} {method.name}"),
            ("Description", method.description),
            ("Likelihood scale", ", ".join(f"{n} {x}" for n, x in enumerate(method.likelihood_levels, 1)) or None),
            ("Impact scale", ", ".join(f"{n} {x}" for n, x in enumerate(method.impact_levels, 1)) or None),
            ("Ratings", ", ".join(method.rating_levels) or None),
            ("Risk appetite", f"risks rated above {method.appetite!r} need treatment or an approved acceptance"),
        )))  # fmt: skip
    else:
        doc.add(Gap("no approved risk assessment method ('aims risk-method add', then approve it)"))
    doc.add(Heading(f"2. Risk register ({heading('6.1.2')}; {heading('8.2')})"))
    if not risks:
        doc.add(Gap("no AI risks in the register" + (f" for {system_id}" if system_id else "")))
    else:
        rows = []
        for r in risks:
            method = methods.get(r.method_id or "")
            names = ", ".join(f"{s} {systems[s].name}" if s in systems else s for s in r.system_ids)
            rows.append((
                f"{r.id} {r.title}", r.description or "", names or "GAP: no system", r.source or "",
                _rating(r.inherent_rating, r.inherent_likelihood, r.inherent_impact),
                _rating(r.residual_rating, r.residual_likelihood, r.residual_impact)
                if r.residual_rating or r.residual_likelihood else "",
                r.status.replace("_", " ") + (" (above appetite)" if _above(r.residual_rating or r.inherent_rating,
                                                                          method) else ""),
                r.owner or "GAP: no owner",
                r.review_on.isoformat() if r.review_on else "",
            ))  # fmt: skip
        doc.add(table(
            ("Risk", "Description", "AI systems", "Source", "Inherent", "Residual", "Status", "Owner", "Review on"),
            rows, (4, 5, 3, 2, 3, 3, 3, 2, 2),
        ))  # fmt: skip
    doc.add(Heading(f"3. Risk treatment plan ({heading('6.1.3')}; {heading('8.3')})"))
    if treatments:
        rows = []
        for t in treatments:
            controls = "; ".join(heading(c) for c in t.control_ids) or (
                "" if t.option in ("accept", "avoid") else "GAP: no Annex A control"
            )
            approval = (f"{t.approver} on {t.approved_on.isoformat() if t.approved_on else 'no date recorded'}"
                        if t.approver else ("GAP: acceptance not approved" if t.option == "accept" else ""))
            rows.append((
                t.id, t.risk_id, t.option, " ".join(dict.fromkeys(x for x in (t.description, t.rationale) if x)),
                controls, t.owner or "GAP: no owner", t.due_date.isoformat() if t.due_date else "",
                t.status.replace("_", " "), approval,
            ))  # fmt: skip
        doc.add(table(
            ("Treatment", "Risk", "Option", "What is done and why", "Annex A controls", "Owner", "Due", "Status",
             "Approved"),
            rows, (3, 3, 2, 6, 5, 2, 3, 2, 3),
        ))  # fmt: skip
    elif risks:
        doc.add(Gap("no risk treatments in the register"))
    untreated = [
        r for r in risks
        if r.status not in ("closed", "accepted") and not of_risk.get(r.id)
        and (r.status == "identified" or _above(r.inherent_rating, methods.get(r.method_id or "")))
    ]  # fmt: skip
    if untreated:
        doc.add(Heading("Risks without a treatment", 2))
        doc.add(*(Gap(f"{r.id} {r.title} ({r.status}) has no treatment") for r in untreated))
    doc.add(Heading("4. Legend"))
    doc.add(Bullets((
        "Inherent: the rating before treatment; residual: after the treatments (L likelihood x I impact).",
        "Options: mitigate, avoid, transfer or accept; an acceptance is approved by management.",
        "GAP: something the register does not hold; it must be provided.",
    )))  # fmt: skip
    doc.add(Heading("5. Sign-off"))
    doc.add(SignOff((("Risk owner (AIMS manager)", author), ("Approved by (top management)", approver))))
    return doc


__all__ = ["build_risk_register"]
