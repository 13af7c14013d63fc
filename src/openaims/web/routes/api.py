"""The JSON API under ``/api/v1``: the same services as the CLI and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Response
from pydantic import BaseModel, Field

from openaims import __version__
from openaims.register import history
from openaims.register.services import RecordService
from openaims.register.services.accounts import AccountOut, AccountService, IssuedToken, TokenOut
from openaims.reports.dashboard import Dashboard, build_dashboard
from openaims.web import records
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


class RecordPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class Update(BaseModel):
    version: int = Field(ge=1, description="The version you read; a stale version is refused (409).")
    changes: dict[str, Any] = Field(description="Fields to change; include 'status' to move the record on.")


class Health(BaseModel):
    status: str
    version: str


#: Path parameter naming a register; its schema lists the record types (``GET /api/v1/types`` too).
TypeName = Annotated[
    str,
    Path(max_length=40, description="A record type", json_schema_extra={"enum": sorted(records.services())}),
]
RecordId = Annotated[str, Path(max_length=80, description="A record id such as RISK-12", examples=["RISK-1"])]


def _service(record_type: str) -> type[RecordService[Any, Any]]:
    cls = records.services().get(record_type)
    if cls is None:
        raise HTTPException(404, f"unknown record type {record_type!r}; GET /api/v1/types lists them")
    return cls


def _reply(identity: Identity, record: dict[str, Any]) -> dict[str, Any]:
    """What a write answers: the record, or for a token without the 'read' scope only its id,
    and new version (a write-only token must not read records through writes)."""
    if "read" in identity.scopes:
        return record
    return {"id": record["id"], "version": record["version"]}


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


@router.get("/records/{record_type}", response_model=RecordPage)
def list_records(
    record_type: TypeName,
    identity: ApiIdentity,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RecordPage:
    cls = _service(record_type)
    filters: dict[str, Any] = {}
    if status:
        filters["status"] = status
    if owner and "owner" in cls.field_names():
        filters["owner"] = owner
    page = cls(session, identity.actor).list(filters=filters, q=q, sort=sort, limit=limit, offset=offset)
    return RecordPage(
        items=[i.model_dump(mode="json") for i in page.items], total=page.total, limit=page.limit, offset=page.offset
    )


@router.post("/records/{record_type}", status_code=201, dependencies=[Depends(WRITE_RECORDS)])
def create_record(
    record_type: TypeName,
    identity: ApiIdentity,
    session: DbSession,
    response: Response,
    body: Annotated[dict[str, Any], Body(description="The record's fields; optional 'status'.")],
) -> dict[str, Any]:
    cls = _service(record_type)
    data = dict(body)
    status = data.pop("status", None)
    created = cls(session, identity.actor).create(data, status=status if isinstance(status, str) else None)
    response.headers["Location"] = f"/api/v1/records/{record_type}/{created.id}"
    return _reply(identity, created.model_dump(mode="json"))


@router.get("/records/{record_type}/{record_id}")
def get_record(record_type: TypeName, record_id: RecordId, identity: ApiIdentity, session: DbSession) -> dict[str, Any]:
    cls = _service(record_type)
    result: dict[str, Any] = cls(session, identity.actor).get(record_id).model_dump(mode="json")
    return result


@router.patch("/records/{record_type}/{record_id}", dependencies=[Depends(WRITE_RECORDS)])
def update_record(
    record_type: TypeName, record_id: RecordId, update: Update, identity: ApiIdentity, session: DbSession
) -> dict[str, Any]:
    cls = _service(record_type)
    updated = cls(session, identity.actor).update(record_id, update.version, update.changes)
    return _reply(identity, updated.model_dump(mode="json"))


@router.get("/records/{record_type}/{record_id}/history", response_model=list[history.EventOut])
def record_history(
    record_type: TypeName, record_id: RecordId, identity: ApiIdentity, session: DbSession
) -> list[history.EventOut]:
    cls = _service(record_type)
    return cls(session, identity.actor).history(record_id)


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
