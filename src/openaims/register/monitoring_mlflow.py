"""Monitoring results imported from MLflow: the values a tracking store holds for the metrics of a
system's monitoring plan, each recorded at the time it was logged and evaluated like any other
value [9.1, A.6.2.6].

A plan metric is read from the MLflow metric key ``mlflow_key`` (default: its name). Every
logged value of those keys becomes a result with source ``mlflow`` and the run as its batch;
values logged at one moment in one run are recorded together, so a breach among them opens
(or adds to) one incident. Importing the same store again records only what is new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from openaims.errors import UsageError
from openaims.monitoring.interface import Value
from openaims.register.actors import Actor
from openaims.register.models.monitoring import MonitoringResult
from openaims.register.monitoring import Outcome, _as_utc, _require_may_record, plan_for, record
from openaims.register.services.evidence import EvidenceDir


def _batch(run_name: str, run_id: str, experiment: str) -> str:
    return f"MLflow run {run_name} ({run_id}) in {experiment}"[:500]


def import_mlflow(
    session: Session,
    actor: Actor,
    system_id: str,
    source: str,
    *,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    now: dt.datetime | None = None,
    evidence_dir: EvidenceDir | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Outcome:
    """Record the plan's metrics logged in an MLflow store (a folder, ``mlflow.db``, a server URL or
    ``runs:/RUN_ID`` with ``tracking_uri``). Nothing is stored when the store logs none of them."""
    from openaims.monitoring.mlflow_store import logged_keys, read_points, resolve

    _require_may_record(actor)
    plan = plan_for(session, actor, system_id)
    where = resolve(source, tracking_uri)
    by_key = {m.mlflow_key or m.name: m for m in plan.metrics}
    points = read_points(where, by_key, experiment=experiment)
    if not points:
        logged = logged_keys(where, experiment=experiment)
        raise UsageError(
            f"{where.label} logs none of {plan.id}'s metrics ({', '.join(sorted(by_key))}); it logs "
            f"{', '.join(logged[:20]) or 'no metric'}: name the MLflow key of a plan metric with mlflow_key"
        )
    seen = {
        (metric, _as_utc(at).timestamp(), batch)
        for metric, at, batch in session.execute(
            select(MonitoringResult.metric, MonitoringResult.at, MonitoringResult.batch).where(
                MonitoringResult.plan_id == plan.id, MonitoringResult.source == "mlflow"
            )
        )
    }
    results = []
    opened: list[str] = []
    added: list[str] = []
    skipped = 0
    for (run_id, at_ms), group in groupby(points, key=lambda p: (p.run_id, p.timestamp_ms)):
        items = list(group)
        at = dt.datetime.fromtimestamp(at_ms / 1000, tz=dt.UTC)
        batch = _batch(items[0].run_name, run_id, items[0].experiment)
        fresh = [p for p in items if (by_key[p.key].name, at.timestamp(), batch) not in seen]
        skipped += len(items) - len(fresh)
        if not fresh:
            continue
        values = [Value(metric=by_key[p.key].name, kind=by_key[p.key].kind, value=p.value,
                        details={"mlflow_key": p.key, "step": p.step}) for p in fresh]  # fmt: skip
        outcome = record(session, actor, plan, values, at=at, source="mlflow", batch=batch, now=now,
                         evidence_dir=evidence_dir, clock=clock)  # fmt: skip
        results.extend(outcome.results)
        opened.extend(i for i in outcome.incidents_opened if i not in opened)
        added.extend(i for i in outcome.incidents_added_to if i not in added and i not in opened)
    notes = [f"read {len(points)} values of {len({p.key for p in points})} metric(s) from {where.label}"]
    if skipped:
        notes.append(f"{skipped} value(s) already imported were left as they are")
    missing = sorted(k for k in by_key if k not in {p.key for p in points})
    if missing:
        notes.append(f"not logged there: {', '.join(missing)}")
    return Outcome(system_id=plan.system_id, plan_id=plan.id, source="mlflow", batch=where.label, results=results,
                   incidents_opened=opened, incidents_added_to=added, notes=notes)  # fmt: skip


__all__ = ["import_mlflow"]
