"""Versions of the Statement of Applicability in the browser: each approved version as a table,
the difference between two, approval by the signed-in person and exports of any version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from openaims.errors import AimsError
from openaims.register.services.soa_versions import ROW_FIELDS, SoaVersionOut, SoaVersionService
from openaims.web import records
from openaims.web.deps import DbSession, Identity, PageIdentity, page_writer
from openaims.web.routes.pages import read_form, render, soa_view

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_manager(identity: Annotated[Identity, Depends(page_writer)]) -> Identity:
    """Approving the SoA: admins and AIMS managers only (checked before the form is read)."""
    if not identity.actor.is_manager:
        raise HTTPException(403, "Only an admin or AIMS manager approves the Statement of Applicability.")
    return identity


PageManager = Annotated[Identity, Depends(page_manager)]


def _version(service: SoaVersionService, number: int) -> SoaVersionOut:
    for version in service.all():
        if version.number == number:
            return version
    raise HTTPException(404, f"There is no version {number} of the Statement of Applicability.")


@router.get("/soa/versions")
def versions_page(request: Request, identity: PageIdentity, session: DbSession) -> Response:
    service = SoaVersionService(session, identity.actor)
    versions = sorted(service.all(), key=lambda v: v.number, reverse=True)
    approvers = {v.id: service.approver_label(v) for v in versions}
    context = {"title": "SoA versions", "versions": versions, "approvers": approvers}
    return render(request, identity, "soa_versions.html", context)


@router.get("/soa/versions/{number}")
def version_page(request: Request, number: int, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.reports.soa import control_titles

    service = SoaVersionService(session, identity.actor)
    version = _version(service, number)
    numbers = sorted(v.number for v in service.all())
    earlier = [n for n in numbers if n < number]
    context = {
        "title": f"SoA version {number}", "version": version, "rows": version.rows, "titles": control_titles(),
        "approver": service.approver_label(version), "previous": earlier[-1] if earlier else None,
        "numbers": numbers, "approvals": service.approvals(version.id),
    }  # fmt: skip
    return render(request, identity, "soa_version.html", context)


@router.get("/soa/versions/{number}/export.{suffix}")
def version_export(request: Request, number: int, suffix: str, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.reports import soa as soa_report

    if suffix not in ("xlsx", "pdf"):
        raise HTTPException(404, "A version of the SoA is available as export.xlsx or export.pdf.")
    service = SoaVersionService(session, identity.actor)
    version = _version(service, number)
    organisation = (request.query_params.get("organisation") or request.app.state.web_settings.organisation
                    or "Our organisation")[:200]  # fmt: skip
    document = soa_report.from_version(version, organisation, approver=service.approver_label(version))
    if suffix == "pdf":
        data, media = soa_report.to_pdf(document), "application/pdf"
    else:
        data, media = soa_report.to_xlsx(document), XLSX
    headers = {"Content-Disposition": f'attachment; filename="statement-of-applicability-v{number}.{suffix}"'}
    return Response(data, media_type=media, headers=headers)


@router.get("/soa/compare")
def compare_page(
    request: Request, identity: PageIdentity, session: DbSession, older: int = 0, newer: int = 0
) -> Response:
    """What changed between two versions, row by row and field by field."""
    from openaims.reports.soa import control_titles

    service = SoaVersionService(session, identity.actor)
    numbers = sorted(v.number for v in service.all())
    if len(numbers) < 2:
        raise HTTPException(404, "There is nothing to compare yet: the Statement of Applicability has "
                                 f"{len(numbers)} approved version{'s' if len(numbers) != 1 else ''}.")  # fmt: skip
    newer = newer or numbers[-1]
    older = older or max([n for n in numbers if n < newer], default=numbers[0])
    first, second = _version(service, older), _version(service, newer)
    comparison = service.compare(first.id, second.id)
    context = {
        "title": f"SoA version {older} and {newer}", "older": first, "newer": second, "numbers": numbers,
        "changes": comparison.changes, "titles": control_titles(), "fields": ROW_FIELDS,
    }  # fmt: skip
    return render(request, identity, "soa_compare.html", context)


@router.post("/soa/approve")
async def approve(request: Request, identity: PageManager, session: DbSession) -> Response:
    """Freeze the live rows as the next version, approved by the person signed in."""
    form = await read_form(request)
    if form.get("confirm") != "yes":
        raise HTTPException(422, "Approving the SoA is signed by you: tick the confirmation box first.")
    summary = str(form.get("change_summary", "")).strip()[:2000] or None
    service = SoaVersionService(session, identity.actor)
    try:
        created = service.approve(change_summary=summary)
    except AimsError as exc:
        session.rollback()
        return soa_view(request, identity, session, "Not approved: " + records.user_words(exc.message), 422)
    return RedirectResponse(f"/soa/versions/{created.number}", status_code=303)
