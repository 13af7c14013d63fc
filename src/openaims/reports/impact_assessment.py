"""The impact assessment report of one AI system, in the sections of ISO/IEC 42005 clause 6.

:func:`build_document` reads one assessment, its system, the datasets and models it names and
its approvals from the register and returns a :class:`~openaims.reports.document.Document`;
the shared renderers print it as PDF or Word with the organisation, the version, the date,
the author (the assessor) and the approver on every page. A section the assessment leaves
empty is printed as a gap, never left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.services.impact import MODEL_KINDS, ImpactAssessmentOut, ImpactAssessmentService
from openaims.register.services.impact_currency import currency
from openaims.register.services.systems import ComponentService, DatasetService, SystemService
from openaims.reports.document import Bullets, Document, Fields, Gap, Heading, Meta, Para, SignOff, table

GENERATOR = "OpenAIMS"


def _rating(severity: int | None, likelihood: int | None) -> str:
    if severity is None or likelihood is None:
        return "not rated"
    return f"severity {severity}, likelihood {likelihood}"


def _text(doc: Document, value: str | None, missing: str) -> None:
    doc.add(Para(value) if value else Gap(missing))


def _approver(assessment: ImpactAssessmentOut, approvals: list[Any]) -> str | None:
    if assessment.status not in ("approved", "superseded"):
        return None
    return approvals[-1].by if approvals and approvals[-1].by else assessment.reviewer


def build_document(
    session: Session, actor: Actor | str, assessment_id: str, *, organisation: str, today: dt.date | None = None
) -> Document:
    """The report of impact assessment ``assessment_id`` (NotFoundError when there is none)."""
    service = ImpactAssessmentService(session, actor)
    ia = service.get(assessment_id)
    system = service.service(SystemService).get(ia.system_id)
    approvals = service.approvals(ia.id)
    day = today or service.clock().date()
    meta = Meta(
        organisation=organisation,
        title=f"AI system impact assessment {ia.id}: {system.name}",
        version=str(ia.version),
        date=ia.assessed_on or day,
        author=ia.assessor,
        approver=_approver(ia, approvals),
        generator=GENERATOR,
    )
    doc = Document(meta)
    state = currency(session, actor, ia.system_id, today=day)
    if ia.status != "approved":
        standing = f"{ia.status.replace('_', ' ')}, not the assessment in force"
    elif state.assessment_id == ia.id and state.current:
        standing = "approved and current"
    else:
        standing = "approved, stale: " + "; ".join(state.reasons)
    doc.add(Fields((
        ("Assessment", f"{ia.id} {ia.title}"),
        ("AI system", f"{system.id} {system.name} (life cycle stage {system.lifecycle_stage}, risk tier "
                      f"{system.risk_tier})"),
        ("Status", standing),
        ("Assessed on", ia.assessed_on.isoformat() if ia.assessed_on else None),
        ("Next review", ia.next_review.isoformat() if ia.next_review else None),
        ("Report date", day.isoformat()),
    )))  # fmt: skip

    doc.add(Heading("1. Scope of the assessment (ISO/IEC 42005 6.2)"))
    _text(doc, ia.scope, "the scope of the assessment is not recorded")

    doc.add(Heading("2. The AI system (6.3)"))
    doc.add(Heading("Description, functions and purpose", 2))
    _text(doc, ia.system_description, "no description of the system")
    doc.add(Heading("Intended uses", 2))
    _text(doc, ia.intended_uses, "the intended uses are not recorded")
    doc.add(Heading("Unintended uses and reasonably foreseeable misuse", 2))
    _text(doc, ia.foreseeable_misuses, "no foreseeable misuse is recorded")

    doc.add(Heading("3. Data and models (6.4, 6.5)"))
    datasets = service.service(DatasetService).all(id__in=ia.dataset_ids) if ia.dataset_ids else []
    if datasets:
        doc.add(table(("Dataset", "Source and provenance", "Quality checks", "Known bias"), [
            (f"{d.id} {d.name}", "; ".join(x for x in (d.source, d.provenance) if x) or "-",
             d.quality_checks or "-", d.known_bias or "-")
            for d in datasets
        ], (3, 4, 3, 3)))  # fmt: skip
    else:
        doc.add(Gap("no dataset is linked to the assessment"))
    models = service.service(ComponentService).all(id__in=ia.model_ids) if ia.model_ids else []
    if models:
        doc.add(table(("Model", "Provider", "Found in", "First seen"), [
            (f"{c.id} {c.name}", c.provider or "-", c.repository,
             c.first_seen.date().isoformat() if c.first_seen else "-")
            for c in models
        ], (4, 2, 4, 2)))  # fmt: skip
    else:
        doc.add(Gap("no model is linked to the assessment"))
    found = service.service(ComponentService).all(system_id=system.id)
    uncovered = [c for c in found if c.kind in MODEL_KINDS and not c.disappeared and c.id not in ia.model_ids]
    if uncovered:
        doc.add(Gap("models found for the system that the assessment does not cover: "
                    + ", ".join(f"{c.id} {c.name}" for c in uncovered)))  # fmt: skip
    if ia.data_and_models:
        doc.add(Para(ia.data_and_models))

    doc.add(Heading("4. Deployment context (6.6)"))
    _text(doc, ia.deployment_context, "the deployment context is not recorded")

    groups = ia.impacted_groups
    doc.add(Heading("5. Interested parties and affected groups (6.7)"))
    if groups:
        doc.add(table(("Group", "Vulnerable", "Who they are"), [
            (g.name, "yes" if g.vulnerable else "no", g.description or "-") for g in groups
        ], (4, 2, 8)))  # fmt: skip
        if not any(g.vulnerable for g in groups):
            doc.add(Para("No affected group is marked vulnerable."))
    else:
        doc.add(Gap("no affected group is recorded"))

    doc.add(Heading("6. Benefits and harms per group, and the measures taken (6.8.2, 6.9)"))
    for g in groups:
        doc.add(Heading(g.name + (" (vulnerable group)" if g.vulnerable else ""), 2))
        doc.add(Fields((
            ("Benefits", g.benefits),
            ("Harms", g.harms),
            ("Rating", _rating(g.severity, g.likelihood)),
            ("Measures taken", g.measures if g.measures or not g.harms else None),
        )))  # fmt: skip
    if not groups:
        doc.add(Gap("no benefits or harms are assessed"))

    doc.add(Heading("7. Failure modes and their consequences (6.8.3)"))
    if ia.failure_modes:
        doc.add(table(("Failure or misuse", "Consequences", "Rating", "Measures"), [
            (f.failure, f.consequences or "-", _rating(f.severity, f.likelihood), f.measures or "-")
            for f in ia.failure_modes
        ], (3, 4, 2, 4)))  # fmt: skip
    else:
        doc.add(Gap("no failure mode is recorded"))

    if ia.areas:
        doc.add(Heading("8. Ratings per impact area (ISO/IEC 42001 B.5.4, B.5.5)"))
        doc.add(table(("Area", "Rating", "Description"), [
            (str(area).replace("_", " "), _rating(a.severity, a.likelihood), a.description or "-")
            for area, a in ia.areas.items()
        ], (2, 3, 7)))  # fmt: skip
    if ia.mitigations:
        doc.add(Heading("Measures across groups", 2), Para(ia.mitigations))

    doc.add(Heading("9. Re-assessment"))
    if ia.reassessment_triggers:
        doc.add(Para("The assessment is to be repeated when:"), Bullets(tuple(ia.reassessment_triggers)))
    if ia.stale_reasons:
        doc.add(Para("Triggers that fired since approval:"))
        doc.add(Bullets(tuple(f"{r.on.isoformat()}: {r.reason}" for r in ia.stale_reasons)))
    else:
        doc.add(Para("No re-assessment trigger has fired since approval."))

    doc.add(Heading("10. Review and approval"))
    doc.add(Fields((
        ("Assessor", ia.assessor),
        ("Reviewer", ia.reviewer),
        ("Approval", approvals[-1].describe() if approvals else None),
    )))  # fmt: skip
    doc.add(SignOff((("Assessed by", ia.assessor), ("Reviewed and approved by", meta.approver))))
    return doc


__all__ = ["GENERATOR", "build_document"]
