"""Every record of the register read once through its service, for computations over many types
(KPIs, management review inputs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor


@dataclass(frozen=True)
class RecordsView:
    """Every record by record type, as the services return them, as of ``today``."""

    records: dict[str, tuple[Any, ...]]
    today: dt.date

    def of(self, record_type: str, *statuses: str) -> list[Any]:
        rows = list(self.records.get(record_type, ()))
        return [r for r in rows if r.status in statuses] if statuses else rows

    def in_scope_systems(self) -> list[Any]:
        """Systems the approved scope includes; all live systems when there is no approved scope."""
        live = [s for s in self.of("system") if s.status != "retired"]
        scopes = self.of("scope", "approved")
        if not scopes:
            return live
        included = set(scopes[-1].included_system_ids)
        return [s for s in live if s.id in included]


def read_records(session: Session, actor: Actor | str, *, today: dt.date) -> RecordsView:
    """Read every record type (evidence without its file store)."""
    from openaims.register.services import registry

    records = {record_type: tuple(cls(session, actor).all()) for record_type, cls in registry().items()}
    return RecordsView(records, today)
