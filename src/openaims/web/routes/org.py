"""Organisation scans on the web: a page per source (its repositories, their last scanned
commit and time, findings, violations, failures with their reason), the organisation
policy for CI jobs, and check results pushed by CI (``aims check --push``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from openaims.register.actors import Permission
from openaims.web.deps import Access, ApiIdentity, DbSession, PageIdentity

router = APIRouter()

#: Reading the organisation policy: any role, with a token that reads or pushes check results.
READ_POLICY = Access(Permission.READ, frozenset({"read", "scan:push"}), "read the organisation policy")
PUSH_CHECKS = Access(Permission.PUSH_CHECK_RESULTS, frozenset({"write", "scan:push"}), "record check results")
READ = Access(Permission.READ, frozenset({"read"}), "read the register")
SourceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A source's number")]


def _render(request: Request, identity: Any, name: str, context: dict[str, Any]) -> Response:
    from openaims.web.routes.pages import render

    return render(request, identity, name, context)


@router.get("/org", include_in_schema=False)
def sources_page(request: Request, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.register.org import overview
    from openaims.register.org.runs import run_status

    views = overview.sources(session)
    return _render(request, identity, "org.html", {"title": "Organisation scans", "sources": views,
                                                    "run": run_status(session)})  # fmt: skip


@router.get("/org/sources/{source_id}", include_in_schema=False)
def source_page(request: Request, source_id: SourceId, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.register.org import overview
    from openaims.register.org.runs import run_status

    views = overview.sources(session, source_id=source_id)
    if not views:
        raise HTTPException(404, f"There is no source number {source_id}; see /org for the sources.")
    context = {"title": views[0].name, "s": views[0], "run": run_status(session, source_id=source_id)}
    return _render(request, identity, "org_source.html", context)


@router.get("/api/v1/org/sources", tags=["organisation"], dependencies=[Depends(READ)])
def sources_api(identity: ApiIdentity, session: DbSession) -> list[dict[str, Any]]:
    """Every source with its repositories and their last scan."""
    from openaims.register.org import overview

    return [v.to_json() for v in overview.sources(session)]


class OrgPolicyOut(BaseModel):
    version: str
    number: int
    approved_on: dt.date | None
    approver: str | None
    content: str


@router.get(
    "/api/v1/org/policy", response_model=OrgPolicyOut, tags=["organisation"], dependencies=[Depends(READ_POLICY)]
)
def org_policy_api(identity: ApiIdentity, session: DbSession) -> OrgPolicyOut:
    """The organisation policy in force (404 when none is approved yet); CI tokens with
    ``scan:push`` may read it to check a repository the way the organisation scan does."""
    from openaims.register import org_policy
    from openaims.register.services.documents import DocumentService

    doc = org_policy.document(session, identity.actor)
    current = DocumentService(session, identity.actor).current_version(doc.id) if doc else None
    if current is None:
        raise HTTPException(404, "no organisation policy is approved yet")
    return OrgPolicyOut(version=current.id, number=current.number, approved_on=current.approved_on,
                        approver=current.approver, content=current.content or "")  # fmt: skip


class PushedViolation(BaseModel):
    rule: str = Field(min_length=1, max_length=120)
    severity: str = Field(min_length=1, max_length=20)
    status: str = Field(min_length=1, max_length=30)
    subject: str = Field(max_length=400)
    path: str = Field(max_length=2000)
    line: int | None = Field(default=None, ge=0)
    fingerprint: str = Field(min_length=1, max_length=128)
    message: str = Field(max_length=2000)
    origin: str = Field(default="repository", max_length=20)
    excepted_by: str | None = Field(default=None, max_length=200)
    exception_expires: dt.date | None = None


class CheckPush(BaseModel):
    """A check result from CI: ``aims check --push`` sends it."""

    repository: str = Field(min_length=1, max_length=400, description="Repository checked, e.g. acme/api.")
    commit: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-fA-F]{7,64}$")
    complete: bool = Field(
        default=True, description="The whole tree was checked (not only a diff): violations it lacks are remediated."
    )
    findings: int = Field(default=0, ge=0)
    policy_version: str | None = Field(default=None, max_length=40)
    violations: list[PushedViolation] = Field(default_factory=list, max_length=5000)


class CheckPushResult(BaseModel):
    id: int
    repository: str
    failed: bool
    counts: dict[str, int]
    new: int
    remediated: int


@router.post(
    "/api/v1/checks",
    response_model=CheckPushResult,
    status_code=201,
    tags=["organisation"],
    dependencies=[Depends(PUSH_CHECKS)],
)
def push_check(body: CheckPush, identity: ApiIdentity, session: DbSession) -> CheckPushResult:
    """Record a CI job's policy check of a repository: roles that push check results (admin, AIMS
    manager, CI service account), with token scope ``scan:push`` or ``write``."""
    from openaims.register.compliance import CheckIn, ViolationIn, record_check

    check = CheckIn(
        repository=body.repository, origin="ci", commit=body.commit, findings=body.findings,
        policy_version=body.policy_version, complete=body.complete,
        violations=[ViolationIn(**v.model_dump()) for v in body.violations],
    )  # fmt: skip
    out = record_check(session, identity.actor, check)
    return CheckPushResult(id=out.id, repository=out.repository, failed=out.failed, counts=out.counts, new=out.new,
                           remediated=out.remediated)  # fmt: skip
