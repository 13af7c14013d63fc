"""The AI security review of one system on the web: threats with why they apply, findings,
red-team results, gaps and decisions; the signed-in reviewer starts the review, decides threats,
raises risks or incidents from failed red-team categories and completes it. Every rule is the
service's (:class:`~openaims.register.services.security_reviews.SecurityReviewService`); a
refusal is shown on the page with the reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from openaims.errors import AimsError, NotFoundError, UsageError
from openaims.web import records
from openaims.web.deps import DbSession, Identity, PageIdentity, PageWriter
from openaims.web.errors import status_for

router = APIRouter(include_in_schema=False)
SystemId = Annotated[str, Path(pattern=r"^SYS-[0-9]{1,9}$", description="An AI system's id")]
#: Treatments a risk decision may add.
TREATMENTS = ("mitigate", "avoid", "transfer", "accept")


def _service(session: Any, identity: Identity, request: Request) -> Any:
    from openaims.register.services.security_reviews import SecurityReviewService

    service = SecurityReviewService(session, identity.actor)
    service.independent_approval = bool(getattr(request.app.state.web_settings, "security_review_independent", True))
    return service


def _page(
    request: Request, system_id: str, identity: Identity, session: Any, message: str | None = None, status: int = 200
) -> Response:
    from openaims.register import threat_model
    from openaims.register.services.risks import RiskService
    from openaims.register.services.systems import SystemService
    from openaims.reports.security_review import build
    from openaims.web.routes.pages import render

    system = SystemService(session, identity.actor).get(system_id)
    service = _service(session, identity, request)
    try:
        report = build(session, identity.actor, system_id)
    except NotFoundError:
        report = None
    risks = [(r.id, f"{r.id} {r.title}") for r in RiskService(session, identity.actor).all(system_ids=system_id)
             if r.status != "closed"]  # fmt: skip
    history = [r for r in service.all(system_id=system_id) if report is None or r.id != report.review.id]
    return render(
        request, identity, "security_review.html",
        {"title": f"Security review of {system.name}", "system": system, "report": report, "message": message,
         "questions": threat_model.QUESTIONS, "risks": risks, "treatments": TREATMENTS, "history": history,
         "data_choices": [d.value for d in threat_model.DataReach],
         "output_choices": [o.value for o in threat_model.OutputUse]},
        status=status,
    )  # fmt: skip


def _refused(request: Request, system_id: str, identity: Identity, session: Any, exc: AimsError) -> Response:
    session.rollback()
    return _page(request, system_id, identity, session, records.user_words(exc.message), status_for(exc))


async def _form(request: Request) -> dict[str, Any]:
    from openaims.web.routes.pages import _form as form

    return await form(request)


def _text(form: dict[str, Any], name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    text = str(value).strip() if value is not None else ""
    return text or None


@router.get("/security-review/{system_id}")
def review_page(request: Request, system_id: SystemId, identity: PageIdentity, session: DbSession) -> Response:
    return _page(request, system_id, identity, session)


@router.post("/security-review/{system_id}/start")
async def start(request: Request, system_id: SystemId, identity: PageWriter, session: DbSession) -> Response:
    """Build or refresh the draft from the system's components and the questionnaire (unanswered: assumed yes)."""
    from openaims.register import threat_model as tm

    form = await _form(request)
    try:
        data = form.get("data")
        reach = ",".join(data) if isinstance(data, list) else data
        answers = tm.Answers(
            untrusted_input=tm.parse_yes_no(v, "untrusted_input") if (v := _text(form, "untrusted_input")) else None,
            acts_externally=tm.parse_yes_no(v, "acts_externally") if (v := _text(form, "acts_externally")) else None,
            data=tm.parse_data(str(reach)) if reach else None,
            output=tm.parse_output(v) if (v := _text(form, "output")) else None,
            other_agents=tm.parse_yes_no(v, "other_agents") if (v := _text(form, "other_agents")) else None,
        )
        _service(session, identity, request).start(system_id, answers)
    except AimsError as exc:
        return _refused(request, system_id, identity, session, exc)
    return RedirectResponse(f"/security-review/{system_id}", status_code=303)


@router.post("/security-review/{system_id}/decide")
async def decide(request: Request, system_id: SystemId, identity: PageWriter, session: DbSession) -> Response:
    """Decide one applicable threat as the signed-in reviewer: link a risk, raise a new one, or accept the gap."""
    form = await _form(request)
    service = _service(session, identity, request)
    try:
        threat = _text(form, "threat")
        if threat is None:
            raise UsageError("choose the threat to decide")
        how = _text(form, "decision")
        review = service.draft(system_id)
        if review is None:
            service.for_system(system_id)  # NotFoundError naming how to start one
            raise UsageError(f"{system_id}'s security review is completed; start a new one to change decisions")
        service.decide(
            review.id, threat,
            existing_controls=_text(form, "existing_controls"), gap=_text(form, "gap"),
            risk_id=_text(form, "risk_id") if how == "risk" else None,
            new_risk=_text(form, "new_risk") if how == "new_risk" else None,
            treatment=_text(form, "treatment") if how in ("risk", "new_risk") else None,
            accept=how == "accept", rationale=_text(form, "rationale"),
        )  # fmt: skip
    except AimsError as exc:
        return _refused(request, system_id, identity, session, exc)
    return RedirectResponse(f"/security-review/{system_id}#decided", status_code=303)


@router.post("/security-review/{system_id}/raise")
async def raise_from_result(
    request: Request, system_id: SystemId, identity: PageWriter, session: DbSession
) -> Response:
    """Raise a risk (or an incident) from a failed red-team category of the open review."""
    form = await _form(request)
    service = _service(session, identity, request)
    try:
        evidence_id, category = _text(form, "evidence_id"), _text(form, "category")
        if evidence_id is None or category is None:
            raise UsageError("choose the result file and the failed category to raise from")
        review = service.draft(system_id)
        if review is None:
            service.for_system(system_id)
            raise UsageError(f"{system_id}'s security review is completed; raise from an open review")
        _, raised = service.raise_from_result(review.id, evidence_id, category,
                                              as_incident=_text(form, "as") == "incident")  # fmt: skip
    except AimsError as exc:
        return _refused(request, system_id, identity, session, exc)
    return RedirectResponse(f"/r/{raised}", status_code=303)


@router.post("/security-review/{system_id}/complete")
async def complete(request: Request, system_id: SystemId, identity: PageWriter, session: DbSession) -> Response:
    """Complete (approve) the open review as the signed-in person."""
    form = await _form(request)
    if form.get("confirm") != "yes":
        raise HTTPException(422, "Completing the security review is your approval: tick the confirmation box first.")
    service = _service(session, identity, request)
    try:
        review = service.draft(system_id)
        if review is None:
            service.for_system(system_id)
            raise UsageError(f"{system_id} has no open security review to complete")
        service.complete(review.id, summary=_text(form, "summary"))
    except AimsError as exc:
        return _refused(request, system_id, identity, session, exc)
    return RedirectResponse(f"/security-review/{system_id}", status_code=303)
