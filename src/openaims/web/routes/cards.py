"""System cards and the toolkit on the web: the card of an AI system as a page, PDF or Markdown, linked
from the system's page; the toolkit's templates filled from the register, to download or to file as a
draft controlled document written by the signed-in person."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from openaims.errors import AimsError
from openaims.web.deps import DbSession, PageIdentity, PageWriter

router = APIRouter()

SystemId = Annotated[str, Path(pattern=r"^SYS-[0-9]{1,9}$", description="An AI system's id")]
TemplateName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{1,40}$", description="A toolkit template's name")]
_SAFE_NAME = re.compile(r"[^A-Za-z0-9-]+")
_MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _organisation(request: Request) -> str:
    return str(getattr(request.app.state.web_settings, "organisation", "") or "Our organisation")[:200]


def _toolkit_page(request: Request, identity: PageIdentity, message: str | None = None, status: int = 200) -> Response:
    from openaims.reports.toolkit import templates
    from openaims.web.routes.pages import render

    context = {"title": "Toolkit", "templates": list(templates().values()), "message": message}
    return render(request, identity, "toolkit.html", context, status=status)


@router.get("/toolkit", include_in_schema=False)
def toolkit_page(request: Request, identity: PageIdentity) -> Response:
    """Every toolkit template, with downloads and (for writers) filing as a draft document."""
    return _toolkit_page(request, identity)


@router.get("/toolkit/{name}.{suffix}", include_in_schema=False)
def toolkit_download(
    request: Request, name: TemplateName, suffix: str, identity: PageIdentity, session: DbSession
) -> Response:
    """A toolkit template filled from the register, as md, docx or pdf."""
    from openaims.errors import NotFoundError
    from openaims.reports.document import DocFormat, render
    from openaims.reports.toolkit import render_template, template

    if suffix not in _MEDIA:
        raise HTTPException(404, "A toolkit template is available as .md, .docx or .pdf.")
    try:
        info = template(name)
    except NotFoundError as exc:
        raise HTTPException(404, exc.message) from None
    document = render_template(session, identity.actor, info.name, organisation=_organisation(request))
    headers = {"Content-Disposition": f'attachment; filename="{info.name}.{suffix}"'}
    return Response(render(document, DocFormat(suffix)), media_type=_MEDIA[suffix], headers=headers)


@router.post("/toolkit/{name}/register", include_in_schema=False)
async def toolkit_register(request: Request, name: TemplateName, identity: PageWriter, session: DbSession) -> Response:
    """File the filled template as a controlled document with a draft version by the signed-in person."""
    from openaims.reports.toolkit import register_template
    from openaims.web.errors import status_for
    from openaims.web.records import user_words
    from openaims.web.routes.pages import _form

    await _form(request)  # the CSRF check
    try:
        _, filed = register_template(session, identity.actor, name, organisation=_organisation(request))
    except AimsError as exc:
        session.rollback()
        return _toolkit_page(request, identity, user_words(exc.message), status=status_for(exc))
    return RedirectResponse(f"/r/{filed.document.id}", status_code=303)


@router.get("/card.css", include_in_schema=False)
def card_stylesheet() -> Response:
    """The card's stylesheet: the content security policy allows no inline styles."""
    from openaims.reports.card import stylesheet

    return Response(stylesheet(), media_type="text/css; charset=utf-8")


@router.get("/card/{system_id}.{suffix}", include_in_schema=False)
def system_card(
    request: Request, system_id: SystemId, suffix: str, identity: PageIdentity, session: DbSession
) -> Response:
    """The system card of ``system_id`` as html, pdf or md."""
    from openaims.reports.card import build_card, to_html
    from openaims.reports.document import to_markdown, to_pdf

    if suffix not in ("html", "pdf", "md"):
        raise HTTPException(404, "A system card is available as .html, .pdf or .md.")
    document = build_card(session, identity.actor, system_id, organisation=_organisation(request))
    name = _SAFE_NAME.sub("-", f"system-card-{system_id}")
    if suffix == "pdf":
        headers = {"Content-Disposition": f'attachment; filename="{name}.pdf"'}
        return Response(to_pdf(document), media_type="application/pdf", headers=headers)
    if suffix == "md":
        return Response(to_markdown(document), media_type="text/markdown; charset=utf-8")
    return Response(to_html(document, stylesheet_url="/card.css"), media_type="text/html; charset=utf-8")
