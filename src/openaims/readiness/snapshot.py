"""A read-only snapshot of the register that the readiness rules evaluate.

Loaded once through the register's public services, so the rules see exactly what
users see, and so one evaluation reads each table once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.monitoring import MonitoringFacts, readiness_facts
from openaims.register.services import EvidenceService, registry
from openaims.register.services.evidence import EvidenceDir


@dataclass(frozen=True)
class Snapshot:
    """Every record by record type (``system``, ``risk``, ``soa_entry``...) as the services return them."""

    records: Mapping[str, tuple[Any, ...]]
    today: dt.date
    #: Monitoring results (not records: measurements) as readiness reads them; None when not loaded.
    monitoring: MonitoringFacts | None = None

    def of(self, record_type: str, *statuses: str) -> list[Any]:
        rows = list(self.records.get(record_type, ()))
        return [r for r in rows if r.status in statuses] if statuses else rows

    def by_id(self, record_type: str) -> dict[str, Any]:
        return {r.id: r for r in self.records.get(record_type, ())}

    # ---- shared notions

    def approved_scope(self) -> Any | None:
        scopes = self.of("scope", "approved")
        return scopes[-1] if scopes else None

    def in_scope_systems(self) -> list[Any]:
        """Systems the approved scope includes; all live systems when there is no approved scope."""
        live = [s for s in self.of("system") if s.status != "retired"]
        scope = self.approved_scope()
        if scope is None:
            return live
        included = set(scope.included_system_ids)
        return [s for s in live if s.id in included]

    def last_material_change(self, system_id: str) -> dt.date | None:
        """The day of the newest implemented change to ``system_id`` (lifecycle or AIMS)."""
        days = [
            c.implemented_on for c in self.of("change", "implemented") if c.system_id == system_id and c.implemented_on
        ]
        return max(days) if days else None


def load_snapshot(
    session: Session, actor: Actor, *, today: dt.date, evidence_dir: EvidenceDir | None = None
) -> Snapshot:
    """Read every record type through its service."""
    records: dict[str, tuple[Any, ...]] = {}
    for record_type, cls in registry().items():
        if cls is EvidenceService:
            service: Any = EvidenceService(session, actor, evidence_dir=evidence_dir)
        else:
            service = cls(session, actor)
        records[record_type] = tuple(service.all())
    return Snapshot(records, today, readiness_facts(session))
