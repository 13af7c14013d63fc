"""Readiness results: per check, per clause or control, and the whole report."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    MET = "met"
    PARTIAL = "partial"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"


#: What each status weighs in :meth:`Report.score` (not-applicable items are not counted).
SCORE_WEIGHTS: Mapping[Status, float] = {Status.MET: 1.0, Status.PARTIAL: 0.5, Status.MISSING: 0.0}
#: How the score is computed, in words (reports print it).
SCORE_BASIS = (
    "share of applicable items: met counts 1, partial 0.5, missing 0; a control whose Statement of "
    "Applicability row is planned or not started is missing whatever records exist; excluded controls "
    "are left out"
)


@dataclass(frozen=True)
class CheckResult:
    """One check of a rule: its status, why in plain words, and the records that prove it."""

    check: str
    status: Status
    reason: str
    links: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status.value,
            "reason": self.reason,
            "links": list(self.links),
        }


def combine(results: Iterable[CheckResult]) -> Status:
    """All met -> met; all missing -> missing; anything else -> partial."""
    statuses = [r.status for r in results if r.status is not Status.NOT_APPLICABLE]
    if not statuses:
        return Status.NOT_APPLICABLE
    if all(s is Status.MET for s in statuses):
        return Status.MET
    if all(s is Status.MISSING for s in statuses):
        return Status.MISSING
    return Status.PARTIAL


@dataclass(frozen=True)
class ItemResult:
    """The readiness of one clause or Annex A control."""

    framework: str
    id: str
    kind: str
    title: str
    group: str
    status: Status
    checks: tuple[CheckResult, ...]
    related: tuple[str, ...] = ()

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks]

    @property
    def links(self) -> list[str]:
        return list(dict.fromkeys(link for c in self.checks for link in c.links))

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "group": self.group,
            "status": self.status.value,
            "reasons": self.reasons,
            "links": self.links,
            "checks": [c.to_dict() for c in self.checks],
            "related": list(self.related),
        }


@dataclass(frozen=True)
class Report:
    """Readiness of every clause and control on a day, with figures per group."""

    as_of: dt.date
    items: tuple[ItemResult, ...]
    rules_version: str
    view: str = "iso42001"
    changes: tuple[Mapping[str, str], ...] = field(default_factory=tuple)

    def groups(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for item in self.items:
            counts = out.setdefault(item.group, {s.value: 0 for s in Status})
            counts[item.status.value] += 1
        return out

    def totals(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for item in self.items:
            counts[item.status.value] += 1
        return counts

    def score(self) -> float:
        """Readiness in percent: each applicable item weighs :data:`SCORE_WEIGHTS` of its status
        (met 1, partial 0.5, missing 0); not-applicable items are left out. A control whose SoA
        row is only planned is missing, so it adds nothing."""
        applicable = [i for i in self.items if i.status is not Status.NOT_APPLICABLE]
        if not applicable:
            return 0.0
        points = sum(SCORE_WEIGHTS[i.status] for i in applicable)
        return round(100 * points / len(applicable), 1)

    @property
    def score_basis(self) -> str:
        """How :meth:`score` is computed, in words."""
        return SCORE_BASIS

    def item(self, item_id: str) -> ItemResult:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "https://openaims.dev/schemas/readiness/v1",
            "as_of": self.as_of.isoformat(),
            "view": self.view,
            "rules_version": self.rules_version,
            "score": self.score(),
            "score_basis": self.score_basis,
            "totals": self.totals(),
            "groups": self.groups(),
            "changes": [dict(c) for c in self.changes],
            "items": [i.to_dict() for i in self.items],
        }
