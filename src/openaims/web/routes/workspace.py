"""A workspace page per clause and per Annex A control (and per NIST AI RMF subcategory or EU AI
Act article of the other readiness views)."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from openaims.errors import AimsError
from openaims.web.deps import DbSession, PageIdentity
from openaims.web.routes.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/workspace/{item_id}")
def workspace_page(
    request: Request, item_id: str, identity: PageIdentity, session: DbSession, framework: str = "iso42001"
) -> Response:
    from openaims.readiness.dashboard import current_report
    from openaims.readiness.engine import VIEWS, View
    from openaims.readiness.workspace import FRAMEWORK_NAMES, build_workspace, find_item

    if framework not in VIEWS:
        raise HTTPException(404, f"There is no readiness view {framework!r}; choose one of {', '.join(VIEWS)}.")
    report = current_report(session, identity.actor, view=cast("View", framework))
    try:
        space = build_workspace(
            session, identity.actor, item_id[:100], view=framework, readiness=find_item(report.items, item_id)
        )
    except AimsError:
        raise HTTPException(404, f"{FRAMEWORK_NAMES[framework]} has no clause or control {item_id[:100]!r}.") from None
    titles = {r.id: r.title for r in space.records}
    context = {
        "title": f"{space.item.label} {space.item.title}", "w": space, "framework": framework,
        "framework_name": FRAMEWORK_NAMES[framework], "titles": titles,
    }  # fmt: skip
    return render(request, identity, "workspace.html", context)
