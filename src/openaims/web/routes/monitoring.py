"""Monitoring on the web: a page per monitored AI system (a chart per metric with its thresholds,
fairness per group, drift per feature), where every system stands, and values pushed by API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from openaims.register.actors import Permission
from openaims.web.deps import Access, ApiIdentity, DbSession, PageIdentity

router = APIRouter()

READ = Access(Permission.READ, frozenset({"read", "scan:push"}), "read monitoring results")
PUSH_METRICS = Access(Permission.PUSH_METRICS, frozenset({"write", "scan:push"}), "record monitoring results")
SystemId = Annotated[str, Path(pattern=r"^SYS-[0-9]{1,9}$", description="An AI system's id")]


@router.get("/monitoring/{system_id}", include_in_schema=False)
def system_page(request: Request, system_id: SystemId, identity: PageIdentity, session: DbSession) -> Response:
    from openaims.register.monitoring import system_view
    from openaims.web.routes.pages import render

    view = system_view(session, identity.actor, system_id)
    title = f"Monitoring of {view.status.system_name}"
    return render(request, identity, "monitoring.html", {"title": title, "v": view})


@router.get("/api/v1/monitoring", tags=["monitoring"], dependencies=[Depends(READ)])
def status_api(identity: ApiIdentity, session: DbSession) -> list[dict[str, Any]]:
    """Every monitored AI system: its worst level now, whether it is overdue, open breach incidents."""
    from openaims.register.monitoring import status

    return [s.to_json() for s in status(session, identity.actor)]


class PushedValue(BaseModel):
    metric: str = Field(min_length=1, max_length=100, description="A metric named in the system's monitoring plan")
    value: float = Field(allow_inf_nan=False)
    at: dt.datetime | None = Field(default=None, description="When it was measured (default: now)")
    group: str | None = Field(default=None, max_length=200, description="The group, for a per-group metric")


@router.post(
    "/api/v1/monitoring/{system_id}/values",
    status_code=201,
    tags=["monitoring"],
    dependencies=[Depends(PUSH_METRICS)],
)
def push_value(system_id: SystemId, body: PushedValue, identity: ApiIdentity, session: DbSession) -> dict[str, Any]:
    """Record a value computed elsewhere: roles that push metrics (admin, AIMS manager, CI service
    account), with token scope ``scan:push`` or ``write``. A breach opens or adds to an incident."""
    from openaims.register.monitoring import push

    outcome = push(session, identity.actor, system_id, body.metric, body.value, at=body.at, group=body.group,
                   source="api")  # fmt: skip
    return outcome.to_json()
