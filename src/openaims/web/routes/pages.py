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
from openaims.web.errors import status_for
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
    return await read_form(request)


async def read_form(request: Request, *, max_files: int = 0) -> dict[str, Any]:
    """The form's fields (a list where a name repeats; uploaded files as ``UploadFile``), once its
    CSRF token is checked."""
    form = await request.form(max_files=max_files) if max_files else await request.form()
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
    request: Request,
    identity: PageIdentity,
    session: DbSession,
    framework: str = "iso42001",
    q: str = "",
    status: str = "",
) -> Response:
    from openaims.readiness.dashboard import current_report
    from openaims.readiness.engine import VIEWS, View

    if framework not in VIEWS:
        raise HTTPException(404, f"There is no readiness view {framework!r}; choose one of {', '.join(VIEWS)}.")
    report = current_report(session, identity.actor, view=cast("View", framework))
    words = q.strip().lower()[:200]
    items = [
        i for i in report.items
        if (not status or i.status.value == status)
        and (not words or words in " ".join([i.id, i.title, *i.reasons, *i.links]).lower())
    ]  # fmt: skip
    context = {"title": "Readiness", "r": report, "views": VIEWS, "framework": framework, "items": items,
               "q": q[:200], "status": status, "statuses": sorted({i.status.value for i in report.items})}  # fmt: skip
    return render(request, identity, "readiness.html", context)


@router.get("/readiness/stage1.{suffix}")
def stage1_export(request: Request, suffix: str, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.reports import stage1

    if suffix == "css":  # the HTML form's stylesheet: the content security policy allows no inline styles
        return Response(stage1.stylesheet(), media_type="text/css; charset=utf-8")
    if suffix not in ("html", "pdf", "docx"):
        raise HTTPException(404, "The Stage 1 report is available as stage1.html, stage1.pdf or stage1.docx.")
    organisation = request.query_params.get("organisation") or "Our organisation"
    today = dt.datetime.now(dt.UTC).date()
    report = stage1.build_stage1(session, identity.actor, today=today, organisation=organisation[:200])
    if suffix == "pdf":
        headers = {"Content-Disposition": f'attachment; filename="stage1-readiness-{today}.pdf"'}
        return Response(stage1.to_pdf(report), media_type="application/pdf", headers=headers)
    if suffix == "docx":
        headers = {"Content-Disposition": f'attachment; filename="stage1-readiness-{today}.docx"'}
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return Response(stage1.to_docx(report), media_type=media, headers=headers)
    html = stage1.to_html(report, record_url="/r/", stylesheet_url="/readiness/stage1.css")
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/soa")
def soa_page(request: Request, identity: PageIdentity, session: DbSession) -> Response:
    return soa_view(request, identity, session)


def soa_view(
    request: Request, identity: Identity, session: Any, message: str | None = None, status: int = 200
) -> Response:
    """The live Statement of Applicability (the working draft), with the approval of its next version."""
    from openaims.register.services.soa_completeness import refusals
    from openaims.register.services.soa_versions import SoaVersionService

    service = SoaVersionService(session, identity.actor)
    rows = service.live_rows()
    latest = service.latest()
    context = {
        "title": "Statement of Applicability", "rows": rows, "latest": latest,
        "approver": service.approver_label(latest) if latest else None,
        "not_assessed": sum(1 for r in rows if r["status"] == "not_assessed"),
        "blocking": [r.describe() for r in refusals(rows)] if identity.actor.is_manager else [],
        "warnings": service.warnings() if identity.actor.is_manager else [], "message": message,
    }  # fmt: skip
    return render(request, identity, "soa.html", context, status=status)


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


@router.post("/records/{record_type}/bulk")
async def bulk_change(request: Request, record_type: str, identity: PageWriter, session: DbSession) -> Response:
    """Move the selected records to a status and/or give them an owner: one event per record."""
    cls = _service(record_type)
    form = await _form(request)
    raw_ids = form.get("ids", [])
    ids = [str(i) for i in (raw_ids if isinstance(raw_ids, list) else [raw_ids]) if str(i).strip()][:500]
    changes: dict[str, Any] = {}
    if str(form.get("status", "")).strip():
        changes["status"] = str(form["status"]).strip()
    if str(form.get("owner", "")).strip() and "owner" in cls.field_names():
        changes["owner"] = str(form["owner"]).strip()
    if not ids or not changes:
        raise HTTPException(422, "Select records and a status or an owner to give them.")
    try:
        cls(session, identity.actor).bulk_update(ids, changes)
    except AimsError as exc:
        session.rollback()
        raise HTTPException(status_for(exc), "Nothing was changed: " + records.user_words(exc.message)) from None
    return RedirectResponse(f"/records/{record_type}", status_code=303)


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
def new_page(request: Request, record_type: str, identity: PageIdentity, session: DbSession) -> Response:
    """An empty form; query parameters naming fields fill them in (``?risk_id=RISK-3`` from a risk)."""
    cls = _service(record_type)
    if not identity.actor.can_write:
        raise HTTPException(403, "Your role can read the register but not change it.")
    form = records.widgets(cls)
    names = {w.name: w for w in form}
    values: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        widget = names.get(key)
        if widget is None:
            continue
        if widget.kind in ("checks", "references"):
            values.setdefault(key, []).append(value[:200])
        else:
            values[key] = value[:2000]
    return _render_form(request, identity, session, cls, record_type, values, {}, None, None)


def _render_form(
    request: Request,
    identity: Identity,
    session: Any,
    cls: type[RecordService[Any, Any]],
    record_type: str,
    values: dict[str, Any],
    errors: dict[str, str],
    record: Any,
    message: str | None,
    status: int = 200,
) -> Response:
    if record is None and record_type == "evidence":
        return evidence_form(request, identity, session, values, errors, message, status)
    form = records.widgets(cls)
    title = f"Edit {record.id}" if record else records.new_title(record_type)
    return render(
        request,
        identity,
        "form.html",
        {"title": title, "record_type": record_type, "cls": cls, "widgets": form, "values": values,
         "options": records.options(session, identity.actor, form), "errors": errors, "record": record,
         "message": message},
        status=status,
    )  # fmt: skip


def evidence_form(
    request: Request,
    identity: Identity,
    session: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    message: str | None,
    status: int = 200,
) -> Response:
    """New evidence: a file to upload (up to the configured size) or a link, with the records it supports."""
    from openaims.register.services.evidence import size_text

    shown = {"title", "record_ids", "description", "owner"}
    form = [w for w in records.widgets(EvidenceService) if w.name in shown]
    limit = int(request.app.state.web_settings.evidence_upload_max_mb) * 1024 * 1024
    return render(
        request,
        identity,
        "evidence_form.html",
        {"title": "New evidence", "widgets": {w.name: w for w in form}, "values": values, "errors": errors,
         "options": records.options(session, identity.actor, form), "message": message,
         "limit": size_text(limit), "limit_bytes": limit},
        status=status,
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
        return _form_error(request, identity, session, cls, record_type, form, exc, None)
    return RedirectResponse(f"/r/{created.id}", status_code=303)


def _form_error(
    request: Request,
    identity: Identity,
    session: Any,
    cls: type[RecordService[Any, Any]],
    record_type: str,
    form: dict[str, Any],
    exc: AimsError,
    record: Any,
) -> Response:
    """The form again, as it was typed, with the refusal in plain words and each field's problem."""
    problems = getattr(exc, "problems", [])
    errors: dict[str, str] = {}
    for problem in problems:
        if problem.field:
            errors.setdefault(problem.field, problem.message)
            errors.setdefault(problem.field.split(".")[0], problem.message)
    general = [p.render() for p in problems if not p.field]
    if problems:
        message = "Not saved: " + ("; ".join(general) if general else "please correct the fields marked below.")
    else:
        message = "Not saved: " + records.user_words(exc.message)
    status = 409 if type(exc).__name__ == "ConflictError" else 422
    if type(exc).__name__ == "PermissionDeniedError":
        status = 403
    return _render_form(request, identity, session, cls, record_type, form, errors, record, message, status)


@router.get("/r/{record_id}")
def record_page(request: Request, record_id: str, identity: PageIdentity, session: DbSession) -> Response:
    return _record_page(request, record_id, identity, session)


def _record_page(
    request: Request, record_id: str, identity: Identity, session: Any, message: str | None = None, status: int = 200
) -> Response:
    cls = service_for_id(record_id)
    service = cls(session, identity.actor)
    record = service.get(record_id)
    events = service.history(record_id)
    evidence = EvidenceService(session, identity.actor).for_record(record_id)
    related = _related(session, identity, record_id)
    data = record.model_dump()
    fields = [(name, data.get(name)) for name in cls.field_names() if name != "links"]
    may_change = service.may_change(record)
    editable = may_change and record.status not in cls.frozen_statuses
    nexts = service.next_statuses(record)
    point = cls.approval
    approve_as_is = (
        point is not None and point.status is None and not getattr(record, point.by_field or "", None)
        and (not point.applies or getattr(service, point.applies)(record))
    )  # fmt: skip
    confirm = cls.manager_statuses | ({point.status} if point is not None and point.status else set())
    rejectable = identity.actor.can_write and (approve_as_is or (point is not None and point.status in nexts))
    moves = [(s, records.status_widgets(cls, record, s)) for s in nexts]
    titles_for = records.reference_fields(cls)
    asked = [w for _, ws in moves for w in ws]
    impact_currency = None
    if cls.record_type() == "system":
        from openaims.register.services.impact_currency import currency

        impact_currency = currency(session, identity.actor, record_id)
    objective_status = records.objective_trend(session, identity.actor, record) if cls.record_type() == "objective" \
        else None
    return render(
        request,
        identity,
        "record.html",
        {"title": f"{record.id}", "record": record, "cls": cls, "record_type": cls.record_type(), "fields": fields,
         "events": list(reversed(events)), "evidence": evidence, "related": related, "nexts": nexts, "moves": moves,
         "options": records.options(session, identity.actor, asked), "editable": editable,
         "follow_ups": records.follow_ups(cls.record_type()) if identity.actor.can_write else [],
         "manager_statuses": confirm, "approvals": service.approvals(record_id), "approve_as_is": approve_as_is,
         "message": message, "titles_for": titles_for,
         "titles": records.titles(session, identity.actor, [data.get(n) for n in titles_for]),
         "impact_currency": impact_currency, "objective_status": objective_status,
         "rejectable": rejectable, "rejections": service.rejections(record_id),
         **_workflow(session, identity, service, record)},
        status=status,
    )  # fmt: skip


def _workflow(session: Any, identity: Identity, service: Any, record: Any) -> dict[str, Any]:
    """An incident's playbook and report deadline; a system's gate for its next stage."""
    from openaims.register.services.incidents import IncidentService
    from openaims.register.services.systems import SystemService

    if isinstance(service, IncidentService):
        due = service.deadline(record)
        return {
            "playbook": service.steps(record),
            "to_close": service.missing_to_close(record, record.id) if record.status != "closed" else [],
            "deadline": due.describe(service.clock()) if due is not None else None,
            "deadline_overdue": due is not None and due.reported_at is None and due.overdue(service.clock()),
        }
    if isinstance(service, SystemService):
        from openaims.register.lifecycle.model import load_lifecycle

        stages = load_lifecycle().stage_ids()
        here = stages.index(record.lifecycle_stage) if record.lifecycle_stage in stages else -1
        later = list(stages[here + 1 :])
        gate = service.gate(record.id, later[0]) if later else None
        return {"gate": gate, "stages": [s for s in stages if s != record.lifecycle_stage],
                "may_override": identity.actor.is_manager}
    return {}


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
    service = cls(session, identity.actor)
    record = service.get(record_id)
    if not identity.actor.can_write:
        raise HTTPException(403, "Your role can read the register but not change it.")
    if record.status in cls.frozen_statuses:
        raise HTTPException(409, f"{record_id} is {record.status.replace('_', ' ')}: its fields no longer change.")
    if not service.may_change(record):
        raise HTTPException(403, f"You may not change {record_id}: it belongs to someone else.")
    values = records.form_values(cls, record)
    return _render_form(request, identity, session, cls, cls.record_type(), values, {}, record, None)


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
        return _form_error(request, identity, session, cls, cls.record_type(), form, exc, record)
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.post("/r/{record_id}/status")
async def change_status(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """Move a record on, with the fields the new status asks for; a refusal is shown on the record's page."""
    cls = service_for_id(record_id)
    form = await _form(request)
    service = cls(session, identity.actor)
    target = str(form.get("status", ""))
    point = cls.approval
    if (target in cls.manager_statuses or (point is not None and target == point.status)) and form.get(
        "confirm"
    ) != "yes":
        raise HTTPException(422, f"Moving {record_id} to {target!r} is an approval: tick the confirmation box first.")
    try:
        version = int(str(form.get("version", "0")) or 0)
    except ValueError:
        version = 0
    record = service.get(record_id)
    asked = {w.name for w in records.status_widgets(cls, record, target)}
    changes = {k: v for k, v in records.parse_form(cls, form, partial=False).items() if k in asked}
    try:
        service.update(record_id, version, {**changes, "status": target})
    except AimsError as exc:
        session.rollback()
        return _record_page(request, record_id, identity, session, records.user_words(exc.message), 422)
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.post("/r/{record_id}/raise-nonconformity")
async def raise_nonconformity(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """An incident's nonconformity, opened from the incident with its details."""
    from openaims.register.services.incidents import IncidentService

    await _form(request)
    if service_for_id(record_id) is not IncidentService:
        raise HTTPException(404, f"{record_id} is not an incident.")
    try:
        raised = IncidentService(session, identity.actor).raise_nonconformity(record_id)
    except AimsError as exc:
        session.rollback()
        return _record_page(request, record_id, identity, session, records.user_words(exc.message), 422)
    return RedirectResponse(f"/r/{raised.id}", status_code=303)


@router.post("/r/{record_id}/step")
async def incident_step(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """Record a playbook step of an incident as done by the signed-in person, now."""
    from openaims.register.services.incidents import IncidentService

    form = await _form(request)
    if service_for_id(record_id) is not IncidentService:
        raise HTTPException(404, f"{record_id} is not an incident.")
    try:
        version = int(str(form.get("version", "0")) or 0)
        IncidentService(session, identity.actor).record_step(
            record_id, version, str(form.get("step", "")), note=str(form.get("note", "") or "")[:20000] or None,
            authority=form.get("authority") == "yes",
        )
    except ValueError:
        raise HTTPException(422, "The version must be a whole number.") from None
    except AimsError as exc:
        session.rollback()
        return _record_page(request, record_id, identity, session, records.user_words(exc.message), 422)
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.post("/r/{record_id}/move")
async def system_move(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """Move a system to another life-cycle stage through its gate (an AIMS manager may override with a reason)."""
    from openaims.register.services.systems import SystemService

    form = await _form(request)
    if service_for_id(record_id) is not SystemService:
        raise HTTPException(404, f"{record_id} is not an AI system.")
    override = str(form.get("override", "") or "").strip()[:2000]
    try:
        version = int(str(form.get("version", "0")) or 0)
        SystemService(session, identity.actor).move(
            record_id, version, str(form.get("to", "")),
            override=override if form.get("use_override") == "yes" else None,
        )
    except ValueError:
        raise HTTPException(422, "The version must be a whole number.") from None
    except AimsError as exc:
        session.rollback()
        return _record_page(request, record_id, identity, session, records.user_words(exc.message), 422)
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


@router.post("/r/{record_id}/reject")
async def reject(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """Refuse a record's approval as the signed-in person, with the reason the form gives."""
    cls = service_for_id(record_id)
    form = await _form(request)
    try:
        version = int(str(form.get("version", "0")) or 0)
    except ValueError:
        version = 0
    try:
        cls(session, identity.actor).reject_record(record_id, version, str(form.get("reason", ""))[:4000])
    except AimsError as exc:
        session.rollback()
        problems = getattr(exc, "problems", [])
        text = "; ".join(p.render() for p in problems) if problems else exc.message
        return _record_page(request, record_id, identity, session, "Not rejected: " + records.user_words(text),
                            status_for(exc))  # fmt: skip
    return RedirectResponse(f"/r/{record_id}", status_code=303)


@router.post("/r/{record_id}/prepare")
async def prepare_review_inputs(request: Request, record_id: str, identity: PageWriter, session: DbSession) -> Response:
    """Compile a management review's inputs from the register (no inputs are typed)."""
    from openaims.register.review_inputs import prepare_review

    prepare_review(session, identity.actor, record_id)
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


@router.get("/history/verify")
def verify_history_page(request: Request, identity: PageIdentity, session: DbSession) -> Response:
    """The check ``aims history verify`` runs (the chain, every record and account against its last
    event, the database itself), for admins and auditors."""
    from openaims.register import integrity
    from openaims.register.actors import Role

    if not identity.actor.roles & {Role.ADMIN, Role.AUDITOR}:
        raise HTTPException(403, "Only an admin or an auditor verifies the history.")
    report = integrity.verify_register(session)
    return render(request, identity, "history_verify.html", {"title": "Verify history", "report": report})


@router.get("/r/{record_id}/download")
def download_evidence(request: Request, record_id: str, identity: PageIdentity, session: DbSession) -> Response:
    """The stored file of file evidence (checked against its SHA-256), as an attachment."""
    from urllib.parse import quote

    from fastapi.responses import FileResponse

    if service_for_id(record_id) is not EvidenceService:
        raise HTTPException(404, f"{record_id} is not evidence.")
    settings = request.app.state.web_settings
    store = EvidenceService(session, identity.actor, evidence_dir=settings.evidence_folder)
    item = store.get(record_id)
    path = store.content_path(record_id)
    name = (item.filename or record_id).replace('"', "").replace("\\", "")
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    media = item.media_type or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Content-Disposition": disposition})
