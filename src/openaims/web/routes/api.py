"""The JSON API under ``/api/v1``: the same services as the CLI and the pages."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from openaims import __version__
from openaims.register import history
from openaims.register.services import RecordService
from openaims.register.services.accounts import AccountOut, AccountService, IssuedToken, TokenOut
from openaims.reports.dashboard import Dashboard, build_dashboard
from openaims.web import api_schemas, records
from openaims.web.deps import (
    MANAGE_ACCOUNTS,
    PUSH_SCANS,
    READ_ACCOUNTS,
    WRITE_RECORDS,
    ApiIdentity,
    DbSession,
    Identity,
)

router = APIRouter(prefix="/api/v1", tags=["register"])


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    via: str
    scopes: list[str]


class RecordType(BaseModel):
    name: str
    label: str
    prefix: str
    statuses: list[str]
    initial_status: str
    fields: list[str]


class Update(BaseModel):
    version: int = Field(ge=1, description="The version you read; a stale version is refused (409).")
    changes: dict[str, Any] = Field(description="Fields to change; include 'status' to move the record on.")


class Health(BaseModel):
    status: str
    version: str


RecordId = Annotated[str, Path(max_length=80, description="A record id such as RISK-12", examples=["RISK-1"])]


def _reply(identity: Identity, record: dict[str, Any]) -> dict[str, Any]:
    """What a write answers: the record, or for a token without the 'read' scope only its id,
    and new version (a write-only token must not read records through writes)."""
    if "read" in identity.scopes:
        return record
    return {"id": record["id"], "version": record["version"]}


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> Response:
    """The API reference, rendered here from the OpenAPI document (no script, no outside assets)."""
    document = request.app.openapi()
    schemas = document.get("components", {}).get("schemas", {})
    operations = [
        (path, method.upper(), op.get("summary") or op.get("operationId", ""), _schema_of(op.get("requestBody")))
        for path, item in document.get("paths", {}).items()
        for method, op in item.items()
    ]
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "api_docs.html",
        {"doc": document, "operations": operations, "schemas": schemas, "user": None, "title": "API reference"},
    )
    return response


def _schema_of(body: dict[str, Any] | None) -> str:
    ref = ((body or {}).get("content", {}).get("application/json", {}).get("schema", {}) or {}).get("$ref", "")
    return str(ref).rsplit("/", 1)[-1]


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok", version=__version__)


@router.get("/me", response_model=Me)
def me(identity: ApiIdentity) -> Me:
    return Me(
        username=identity.account.username,
        display_name=identity.account.display_name,
        roles=identity.account.roles,
        via=identity.via,
        scopes=sorted(identity.scopes),
    )


@router.get("/types", response_model=list[RecordType])
def record_types(identity: ApiIdentity) -> list[RecordType]:
    return [
        RecordType(
            name=name,
            label=records.label(name),
            prefix=cls.prefix(),
            statuses=list(cls.statuses()),
            initial_status=cls.initial_status,
            fields=list(cls.field_names()),
        )
        for name, cls in records.services().items()
    ]


@router.get("/dashboard", response_model=Dashboard)
def dashboard(identity: ApiIdentity, session: DbSession) -> Dashboard:
    return build_dashboard(session, identity.actor)


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object a request carries; the record service validates its fields."""
    try:
        data = await request.json()
    except ValueError:
        raise HTTPException(422, "the request body is not JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(422, "the request body must be a JSON object")
    return data


#: A JSON object body; its schema is declared per route (``openapi_extra``).
JsonBody = Annotated[dict[str, Any], Depends(_body)]


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": api_schemas.ref(model)}}}


def _add_record_routes(record_type: str, cls: type[RecordService[Any, Any]]) -> None:
    """``/records/<type>`` (list, create) and ``/records/<type>/{record_id}`` (read, change, history)
    with the record type's own request and response schemas."""
    base = f"/records/{record_type}"
    name = api_schemas.schema_name(record_type)
    title = records.label(record_type)
    tags: list[str | enum.Enum] = [title]
    new, changes = api_schemas.new_model(cls), api_schemas.changes_model(cls)
    out, page = api_schemas.out_model(cls), api_schemas.page_model(cls)
    body = {"required": True, "content": {"application/json": {"schema": api_schemas.ref(new)}}}
    change_body = {"required": True, "content": {"application/json": {"schema": api_schemas.ref(changes)}}}

    def list_records(
        identity: ApiIdentity,
        session: DbSession,
        q: Annotated[str | None, Query(max_length=200)] = None,
        status: Annotated[str | None, Query(max_length=40)] = None,
        owner: Annotated[str | None, Query(max_length=200)] = None,
        sort: Annotated[str | None, Query(max_length=60)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        if status:
            filters["status"] = status
        if owner and "owner" in cls.field_names():
            filters["owner"] = owner
        result = cls(session, identity.actor).list(filters=filters, q=q, sort=sort, limit=limit, offset=offset)
        items = [i.model_dump(mode="json") for i in result.items]
        return {"items": items, "total": result.total, "limit": result.limit, "offset": result.offset}

    def create_record(identity: ApiIdentity, session: DbSession, response: Response, body: JsonBody) -> dict[str, Any]:
        data = dict(body)
        status = data.pop("status", None)
        created = cls(session, identity.actor).create(data, status=status if isinstance(status, str) else None)
        response.headers["Location"] = f"/api/v1{base}/{created.id}"
        return _reply(identity, created.model_dump(mode="json"))

    def get_record(record_id: RecordId, identity: ApiIdentity, session: DbSession) -> dict[str, Any]:
        result: dict[str, Any] = cls(session, identity.actor).get(record_id).model_dump(mode="json")
        return result

    def update_record(record_id: RecordId, identity: ApiIdentity, session: DbSession, body: JsonBody) -> dict[str, Any]:
        try:
            update = Update.model_validate(body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        updated = cls(session, identity.actor).update(record_id, update.version, update.changes)
        return _reply(identity, updated.model_dump(mode="json"))

    def record_history(record_id: RecordId, identity: ApiIdentity, session: DbSession) -> list[history.EventOut]:
        return cls(session, identity.actor).history(record_id)

    router.add_api_route(
        base, list_records, methods=["GET"], tags=tags, name=f"list_{record_type}",
        summary=f"List {records.plural(record_type).lower()}", operation_id=f"list_{record_type}",
        openapi_extra={"responses": {"200": _json(page, "One page of records")}},
    )  # fmt: skip
    router.add_api_route(
        base, create_record, methods=["POST"], tags=tags, status_code=201, dependencies=[Depends(WRITE_RECORDS)],
        summary=f"Create a {title.lower() if title[1:].islower() else title}", operation_id=f"create_{record_type}",
        openapi_extra={"requestBody": body, "responses": {"201": _json(out, f"The new {name} record")}},
    )  # fmt: skip
    router.add_api_route(
        base + "/{record_id}", get_record, methods=["GET"], tags=tags, operation_id=f"get_{record_type}",
        summary=f"Read one {title.lower() if title[1:].islower() else title}",
        openapi_extra={"responses": {"200": _json(out, "The record")}},
    )  # fmt: skip
    router.add_api_route(
        base + "/{record_id}", update_record, methods=["PATCH"], tags=tags, dependencies=[Depends(WRITE_RECORDS)],
        summary=f"Change one {title.lower() if title[1:].islower() else title}", operation_id=f"update_{record_type}",
        openapi_extra={"requestBody": change_body, "responses": {"200": _json(out, "The changed record")}},
    )  # fmt: skip
    router.add_api_route(
        base + "/{record_id}/history", record_history, methods=["GET"], tags=tags,
        response_model=list[history.EventOut], operation_id=f"history_{record_type}",
        summary=f"History of one {title.lower() if title[1:].islower() else title}",
    )  # fmt: skip


for _type, _cls in records.services().items():
    _add_record_routes(_type, _cls)


@router.api_route("/records/{record_type}", methods=["GET"], include_in_schema=False)
@router.api_route("/records/{record_type}/{record_id}", methods=["GET"], include_in_schema=False)
@router.api_route("/records/{record_type}/{record_id}/history", methods=["GET"], include_in_schema=False)
def unknown_record_type(record_type: str, identity: ApiIdentity) -> None:
    raise HTTPException(404, f"unknown record type {record_type!r}; GET /api/v1/types lists them")


@router.api_route(
    "/records/{record_type}", methods=["POST"], include_in_schema=False, dependencies=[Depends(WRITE_RECORDS)]
)
@router.api_route(
    "/records/{record_type}/{record_id}", methods=["PATCH"], include_in_schema=False,
    dependencies=[Depends(WRITE_RECORDS)],
)  # fmt: skip
def unknown_record_type_write(record_type: str, identity: ApiIdentity) -> None:
    raise HTTPException(404, f"unknown record type {record_type!r}; GET /api/v1/types lists them")


@router.get("/history", response_model=history.EventPage)
def history_log(
    identity: ApiIdentity,
    session: DbSession,
    record: Annotated[str | None, Query(max_length=80)] = None,
    record_type: Annotated[str | None, Query(max_length=40)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> history.EventPage:
    return history.query(
        session,
        record_id=record,
        record_type=record_type,
        actor=actor,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        hidden_types=history.hidden_record_types(identity.actor),
    )


# --------------------------------------------------------------- accounts and tokens (admins)
class NewAccount(BaseModel):
    username: str = Field(min_length=2, max_length=100)
    password: str | None = Field(default=None, max_length=1000, description="Omit for OpenID Connect sign-in only.")
    roles: list[str] = Field(min_length=1, max_length=5)
    display_name: str | None = Field(default=None, max_length=200)


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=3, description="read, write and/or scan:push")
    expires_at: dt.datetime | None = None


@router.get("/accounts", response_model=list[AccountOut], tags=["accounts"], dependencies=[Depends(READ_ACCOUNTS)])
def list_accounts(identity: ApiIdentity, session: DbSession) -> list[AccountOut]:
    service = AccountService(session, identity.actor)
    service.require_admin()
    return service.accounts()


@router.post(
    "/accounts", response_model=AccountOut, status_code=201, tags=["accounts"], dependencies=[Depends(MANAGE_ACCOUNTS)]
)
def create_account(body: NewAccount, identity: ApiIdentity, session: DbSession) -> AccountOut:
    return AccountService(session, identity.actor).create(
        body.username, body.password, roles=body.roles, display_name=body.display_name
    )


class Unlocked(BaseModel):
    username: str
    cleared: int


@router.post(
    "/accounts/{username}/unlock", response_model=Unlocked, tags=["accounts"], dependencies=[Depends(MANAGE_ACCOUNTS)]
)
def unlock_account(
    username: Annotated[str, Path(max_length=100)], identity: ApiIdentity, session: DbSession
) -> Unlocked:
    """Clear the sign-in lockouts of ``username`` from every address (admins)."""
    return Unlocked(username=username, cleared=AccountService(session, identity.actor).unlock(username))


@router.get("/tokens", response_model=list[TokenOut], tags=["accounts"], dependencies=[Depends(READ_ACCOUNTS)])
def list_tokens(identity: ApiIdentity, session: DbSession) -> list[TokenOut]:
    service = AccountService(session, identity.actor)
    service.require_admin()
    return service.tokens()


@router.post(
    "/accounts/{username}/tokens",
    response_model=IssuedToken,
    status_code=201,
    tags=["accounts"],
    dependencies=[Depends(MANAGE_ACCOUNTS)],
)
def issue_token(username: str, body: NewToken, identity: ApiIdentity, session: DbSession) -> IssuedToken:
    """A new API token for ``username``; its secret is in this response only."""
    return AccountService(session, identity.actor).issue_token(
        username, body.name, body.scopes, expires_at=body.expires_at
    )


@router.delete(
    "/tokens/{token_id}", response_model=TokenOut, tags=["accounts"], dependencies=[Depends(MANAGE_ACCOUNTS)]
)
def revoke_token(token_id: str, identity: ApiIdentity, session: DbSession) -> TokenOut:
    return AccountService(session, identity.actor).revoke_token(token_id)


class ScanPush(BaseModel):
    """A scan pushed by a CI job: ``aims scan --format json`` output and where it came from."""

    repository: str = Field(min_length=1, max_length=400, description="Repository the scan is of, e.g. org/name.")
    system_id: str | None = Field(default=None, max_length=40, description="AI system to link the components to.")
    report: dict[str, Any] = Field(description="The JSON scan report (aims scan --format json).")


class ScanPushResult(BaseModel):
    repository: str
    system_id: str | None
    proposed_system: str | None
    new: list[str]
    seen_again: list[str]
    reappeared: list[str]
    disappeared: list[str]
    pending_review: list[str]
    summary: str


@router.post(
    "/scans", response_model=ScanPushResult, status_code=201, tags=["inventory"], dependencies=[Depends(PUSH_SCANS)]
)
def push_scan(body: ScanPush, identity: ApiIdentity, session: DbSession) -> ScanPushResult:
    """Record a CI job's scan against its repository: roles that push scans (admin, AIMS manager,
    CI service account), with token scope ``scan:push`` or ``write``."""
    from openaims.discovery.report import findings_from_report
    from openaims.register.ingest import sync_scan

    findings = findings_from_report(body.report)
    result = sync_scan(session, identity.actor, body.repository, findings, system_id=body.system_id)
    return ScanPushResult(
        repository=result.repository,
        system_id=result.system_id,
        proposed_system=result.proposed_system,
        new=result.new,
        seen_again=result.seen_again,
        reappeared=result.reappeared,
        disappeared=result.disappeared,
        pending_review=result.pending_review,
        summary=result.summary(),
    )
