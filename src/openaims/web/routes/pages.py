"""Server-rendered pages. Each route parses input, calls services, renders."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from openaims.errors import AimsError
from openaims.register import history
from openaims.register.errors import RecordValidationError
from openaims.register.exchange.cells import defuse
from openaims.register.services import RecordService, service_for_id
from openaims.register.services.evidence import EvidenceService
from openaims.reports.dashboard import build_dashboard, build_heat_map
from openaims.web import records
from openaims.web.deps import DbSession, Identity, PageIdentity, PageWriter
from openaims.web.security import csrf_token, csrf_valid

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def render(request: Request, identity: Identity, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        name,
        {"user": identity, "csrf": csrf_token(request), "path": request.url.path, **context},
        status_code=status,
    )
    return response


def _service(record_type: str) -> type[RecordService[Any, Any]]:
    cls = records.services().get(record_type)
    if cls is None:
        raise HTTPException(404, f"There is no register called {record_type!r}.")
    return cls


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    if not csrf_valid(request, str(data.get("csrf_token", ""))):
        raise HTTPException(403, "The form expired or did not come from this site; reload the page and try again.")
    return data


@router.get("/")
def dashboard(request: Request, identity: PageIdentity, session: DbSession) -> Response:
    data = build_dashboard(session, identity.actor)
    readiness = _readiness_summary(session, identity)
    return render(request, identity, "dashboard.html", {"d": data, "readiness": readiness, "title": "Dashboard"})


def _readiness_summary(session: Any, identity: Identity) -> Any:
    """Readiness by clause group when the readiness engine is installed; None otherwise."""
    try:
        from openaims.readiness import summary_for_dashboard
    except ImportError:
        return None
    return summary_for_dashboard(session, identity.actor)


@router.get("/readiness")
def readiness_page(
    request: Request, identity: PageIdentity, session: DbSession, framework: str = "iso42001"
) -> Response:
    from openaims.readiness.dashboard import current_report
    from openaims.readiness.engine import VIEWS, View

    if framework not in VIEWS:
        raise HTTPException(404, f"There is no readiness view {framework!r}; choose one of {', '.join(VIEWS)}.")
    report = current_report(session, identity.actor, view=cast("View", framework))
    context = {"title": "Readiness", "r": report, "views": VIEWS, "framework": framework}
    return render(request, identity, "readiness.html", context)


@router.get("/readiness/stage1.{suffix}")
def stage1_export(request: Request, suffix: str, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.reports import stage1

    if suffix not in ("html", "pdf"):
        raise HTTPException(404, "The Stage 1 report is available as stage1.html or stage1.pdf.")
    organisation = request.query_params.get("organisation") or "Our organisation"
    today = dt.datetime.now(dt.UTC).date()
    report = stage1.build_stage1(session, identity.actor, today=today, organisation=organisation[:200])
    if suffix == "pdf":
        headers = {"Content-Disposition": f'attachment; filename="stage1-readiness-{today}.pdf"'}
        return Response(stage1.to_pdf(report), media_type="application/pdf", headers=headers)
    return Response(stage1.to_html(report, record_url="/r/"), media_type="text/html; charset=utf-8")


@router.get("/soa")
def soa_page(request: Request, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.register.services.soa_versions import SoaVersionService

    service = SoaVersionService(session, identity.actor)
    rows = service.live_rows()
    latest = service.latest()
    context = {
        "title": "Statement of Applicability", "rows": rows, "latest": latest,
        "approver": service.approver_label(latest) if latest else None,
        "not_assessed": sum(1 for r in rows if r["status"] == "not_assessed"),
    }  # fmt: skip
    return render(request, identity, "soa.html", context)


@router.get("/soa/export.{suffix}")
def soa_export(request: Request, suffix: str, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.register.services.soa_versions import SoaVersionService
    from openaims.reports import soa as soa_report

    if suffix not in ("xlsx", "pdf"):
        raise HTTPException(404, "The Statement of Applicability is available as export.xlsx or export.pdf.")
    organisation = (request.query_params.get("organisation") or "Our organisation")[:200]
    service = SoaVersionService(session, identity.actor)
    latest = service.latest()
    if latest is None:
        document = soa_report.draft(service.current_rows(), organisation)
    else:
        document = soa_report.from_version(latest, organisation, approver=service.approver_label(latest))
    if suffix == "pdf":
        data, media = soa_report.to_pdf(document), "application/pdf"
    else:
        data = soa_report.to_xlsx(document)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers = {"Content-Disposition": f'attachment; filename="statement-of-applicability.{suffix}"'}
    return Response(data, media_type=media, headers=headers)


@router.get("/records/{record_type}")
def list_page(
    request: Request,
    record_type: str,
    identity: PageIdentity,
    session: DbSession,
    q: str | None = None,
    status: str | None = None,
    sort: str | None = None,
    page: int = 1,
) -> Response:
    cls = _service(record_type)
    service = cls(session, identity.actor)
    filters = {"status": status} if status else None
    page = max(1, min(page, 100_000))
    try:
        result = service.list(filters=filters, q=q, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except RecordValidationError:
        result = service.list(filters=filters, q=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        sort = None
    heat = build_heat_map(session, identity.actor) if record_type == "risk" else None
    pages = max(1, -(-result.total // PAGE_SIZE))

    def link(**changes: Any) -> str:
        params = {"q": q, "status": status, "sort": sort, "page": page, **changes}
        return f"/records/{record_type}?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    return render(
        request,
        identity,
        "list.html",
        {
            "title": records.plural(record_type),
            "record_type": record_type,
            "cls": cls,
            "columns": records.columns(record_type, cls),
            "result": result,
            "q": q or "",
            "status": status or "",
            "sort": sort or "",
            "page": page,
            "pages": pages,
            "link": link,
            "statuses": cls.statuses(),
            "heat": heat,
        },
    )


def _csv_cell(value: Any) -> Any:
    """A value as people read it; texts a spreadsheet would run as a formula are defused."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return defuse(records.display(value))


@router.get("/records/{record_type}/export.csv")
def export_csv(record_type: str, identity: PageIdentity, session: DbSession) -> Response:
    cls = _service(record_type)
    items = cls(session, identity.actor).all()
    fields = ["id", "status", *[f for f in cls.field_names() if f != "links"], "version", "updated_at", "updated_by"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for item in items:
        row = item.model_dump(mode="json")
        writer.writerow([_csv_cell(row.get(f)) for f in fields])
    filename = f"{record_type}-{dt.date.today().isoformat()}.csv"
    return StreamingResponse(
        iter([buffer.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/records/{record_type}/new")
def new_page(request: Request, record_type: str, identity: PageIdentity) -> Response:
    cls = _service(record_type)
    if not identity.actor.can_write:
        raise HTTPException(403, "Your role can read the register but not change it.")
    return render(
        request,
        identity,
        "form.html",
        {"title": records.new_title(record_type), "record_type": record_type, "cls": cls,
         "widgets": records.widgets(cls), "values": {}, "errors": {}, "record": None, "message": None},
    )  # fmt: skip


@router.post("/records/{record_type}")
async def create(request: Request, record_type: str, identity: PageWriter, session: DbSession) -> Response:
    cls = _service(record_type)
    form = await _form(request)
    data = records.parse_form(cls, form, partial=False)
    try:
        created = cls(session, identity.actor).create(data)
    except AimsError as exc:
        session.rollback()
        return _form_error(request, identity, cls, record_type, form, exc, None)
    return RedirectResponse(f"/r/{created.id}", status_code=303)


def _form_error(
    request: Request,
    identity: Identity,
    cls: type[RecordService[Any, Any]],
    record_type: str,
    form: dict[str, Any],
    exc: AimsError,
    record: Any,
) -> Response:
    problems = getattr(exc, "problems", [])
    errors = {p.field.split(".")[0]: p.message for p in problems if p.field}
    general = [p.message for p in problems if not p.field] if problems else [exc.message]
    status = 409 if type(exc).__name__ == "ConflictError" else 422
    if type(exc).__name__ == "PermissionDeniedError":
        status = 403
    title = f"Edit {record.id}" if record else records.new_title(record_type)
    return render(
        request,
        identity,
        "form.html",
        {"title": title, "record_type": record_type, "cls": cls, "widgets": records.widgets(cls),
         "values": form, "errors": errors, "record": record, "message": "; ".join(general) if general else None},
        status=status,
    )  # fmt: skip


@router.get("/r/{record_id}")
def record_page(request: Request, record_id: str, identity: PageIdentity, session: DbSession) -> Response:
    cls = service_for_id(record_id)
    service = cls(session, identity.actor)
    record = service.get(record_id)
    events = service.history(record_id)
    evidence = EvidenceService(session, identity.actor).for_record(record_id)
    related = _related(session, identity, record_id)
    data = record.model_dump()
    fields = [(name, data.get(name)) for name in cls.field_names() if name != "links"]
    nexts = sorted(cls.transitions.get(record.status, frozenset()))
    point = cls.approval
    approve_as_is = (
        point is not None and point.status is None and not getattr(record, point.by_field or "", None)
        and (not point.applies or getattr(service, point.applies)(record))
    )  # fmt: skip
    confirm = cls.manager_statuses | ({point.status} if point is not None and point.status else set())
    return render(
        request,
        identity,
        "record.html",
        {"title": f"{record.id}", "record": record, "cls": cls, "record_type": cls.record_type(), "fields": fields,
         "events": list(reversed(events)), "evidence": evidence, "related": related, "nexts": nexts,
         "manager_statuses": confirm, "approvals": service.approvals(record_id), "approve_as_is": approve_as_is},
    )  # fmt: skip


def _related(session: Any, identity: Identity, record_id: str) -> list[tuple[str, list[Any]]]:
    """Records that point at this one (risks of a system, treatments of a risk...)."""
    out: list[tuple[str, list[Any]]] = []
    for name, cls in records.services().items():
        hits: list[Any] = []
        service = cls(session, identity.actor)
        for field, prefix in cls.references.items():
            if prefix not in ("*", record_id.split("-", maxsplit=1)[0]):
                continue
            try:
                page = service.list(filters={field: record_id}, limit=50)
            except AimsError:
                continue
            hits.extend(i for i in page.items if i.id not in {h.id for h in hits})
        if hits:
            out.append((records.plural(name), hits))
    return out


@router.get("/r/{record_id}/edit")
def edit_page(request: Request, record_id: str, identity: PageIdentity, session: DbSession) -> Response:
    cls = service_for_id(record_id)
    record = cls(session, identity.actor).get(record_id)
    values = {w.name: records.form_value(w, getattr(record, w.name, None)) for w in records.widgets(cls)}
    return render(
        request,
        identity,
        "form.html",
        {"title": f"Edit {record.id}", "record_type": cls.record_type(), "cls": cls, "widgets": records.widgets(cls),
         "values": values, "errors": {}, "record": record, "message": None},
    )  # fmt: skip


@router.post("/r/{record_id}")
async def update(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    cls = service_for_id(record_id)
    form = await _form(request)
    service = cls(session, identity.actor)
    record = service.get(record_id)
    try:
        version = int(str(form.get("version", "0")))
    except ValueError:
        version = 0
    changes = records.parse_form(cls, form, partial=True)
    try:
        service.update(record_id, version, changes)
    except AimsError as exc:
        session.rollback()
        return _form_error(request, identity, cls, cls.record_type(), form, exc, record)
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.post("/r/{record_id}/status")
async def change_status(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    cls = service_for_id(record_id)
    form = await _form(request)
    service = cls(session, identity.actor)
    target = str(form.get("status", ""))
    point = cls.approval
    if (target in cls.manager_statuses or (point is not None and target == point.status)) and form.get(
        "confirm"
    ) != "yes":
        raise HTTPException(422, f"Moving {record_id} to {target!r} is an approval: tick the confirmation box first.")
    version = int(str(form.get("version", "0")) or 0)
    service.update(record_id, version, {"status": target})
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.post("/r/{record_id}/approve")
async def approve(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """Approve a record as it stands (an 'accept' treatment) as the signed-in person."""
    cls = service_for_id(record_id)
    form = await _form(request)
    if form.get("confirm") != "yes":
        raise HTTPException(422, f"Approving {record_id} is signed by you: tick the confirmation box first.")
    try:
        version = int(str(form.get("version", "0")) or 0)
    except ValueError:
        version = 0
    cls(session, identity.actor).approve_record(record_id, version)
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.get("/history")
def history_page(
    request: Request,
    identity: PageIdentity,
    session: DbSession,
    record: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: int = 1,
) -> Response:
    def parse(day: str | None, *, end: bool = False) -> dt.datetime | None:
        if not day:
            return None
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=dt.UTC)
        except ValueError:
            return None
        return moment + dt.timedelta(days=1) if end else moment

    page = max(1, min(page, 100_000))
    result = history.query(
        session,
        record_id=record or None,
        actor=actor or None,
        since=parse(since),
        until=parse(until, end=True),
        limit=50,
        offset=(page - 1) * 50,
        hidden_types=history.hidden_record_types(identity.actor),
    )
    params = {"record": record, "actor": actor, "since": since, "until": until}
    query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        identity,
        "history.html",
        {"title": "History", "result": result, "record": record or "", "actor": actor or "", "since": since or "",
         "until": until or "", "page": page, "pages": max(1, -(-result.total // 50)), "query": query},
    )  # fmt: skip
