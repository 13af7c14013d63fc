"""What a pack covers: the whole register, Stage 1 documents, Stage 2, one control or one system.

A scope names the records a pack includes; sections then write those records, the
documents built from them, their evidence files and their history.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from openaims.errors import UsageError
from openaims.readiness.model import Report
from openaims.readiness.snapshot import Snapshot


class ScopeKind(enum.StrEnum):
    FULL = "full"
    STAGE1 = "stage1"
    STAGE2 = "stage2"
    CONTROL = "control"
    SYSTEM = "system"


#: Record types a Stage 1 (documentation) review reads: what the AIMS documents and decides.
STAGE1_TYPES = frozenset(
    {
        "scope", "context_issue", "interested_party", "document", "document_version", "role", "raci",
        "risk_method", "risk", "treatment", "impact_assessment", "objective", "soa_entry", "soa_version",
        "audit_programme", "audit", "finding", "management_review", "nonconformity", "corrective_action",
        "system", "competence", "supplier",
    }
)  # fmt: skip
#: Record types that hang off an included record and travel with it (a risk's treatments...).
_FOLLOWERS = frozenset({"treatment", "evidence", "finding", "corrective_action", "measurement", "document_version"})
_CONTROL_RE = re.compile(r"^A\.\d+(\.\d+)+$")
_SYSTEM_RE = re.compile(r"^SYS-\d+$")
SCOPE_HELP = "stage1, stage2, 'control A.x.y' or 'system SYS-ID'"


@dataclass(frozen=True)
class PackScope:
    kind: ScopeKind
    target: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind.value} {self.target}" if self.target else self.kind.value

    @property
    def slug(self) -> str:
        return self.label.replace(" ", "-").lower()


def parse_scope(text: str | None) -> PackScope:
    """``None``/``full``, ``stage1``, ``stage2``, ``control A.6.2.2`` or ``system SYS-3``; UsageError otherwise."""
    if text is None or not text.strip():
        return PackScope(ScopeKind.FULL)
    parts = text.split()
    head = parts[0].lower()
    if head in ("full", "stage1", "stage2") and len(parts) == 1:
        return PackScope(ScopeKind(head))
    if head == "control" and len(parts) == 2 and _CONTROL_RE.match(parts[1]):
        return PackScope(ScopeKind.CONTROL, parts[1])
    if head == "system" and len(parts) == 2 and _SYSTEM_RE.match(parts[1].upper()):
        return PackScope(ScopeKind.SYSTEM, parts[1].upper())
    raise UsageError(f"unknown pack scope {text!r}; give {SCOPE_HELP}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def mentions(record: Any, ids: Iterable[str]) -> bool:
    """Whether any field of ``record`` names one of ``ids``."""
    wanted = set(ids)
    data = record.model_dump(mode="json", exclude={"id"})
    return any(text in wanted for text in _strings(data))


def select_records(scope: PackScope, snap: Snapshot, readiness: Report) -> list[Any]:
    """The records a pack of ``scope`` includes; UsageError when its control or system does not exist."""
    everything = [r for rows in snap.records.values() for r in rows]
    if scope.kind in (ScopeKind.FULL, ScopeKind.STAGE2):
        chosen = everything
    elif scope.kind is ScopeKind.STAGE1:
        chosen = [r for r in everything if r.record_type in STAGE1_TYPES]
    elif scope.kind is ScopeKind.CONTROL:
        item = next((i for i in readiness.items if i.id == scope.target and i.kind == "control"), None)
        if item is None:
            raise UsageError(f"{scope.target} is not an Annex A control of ISO/IEC 42001 (see 'aims soa list')")
        rows = [r for r in snap.of("soa_entry") if r.control_id == scope.target]
        ids = {r.id for r in rows} | set(item.links)
        for row in rows:
            ids.update(row.treatment_ids or [])
            ids.update(row.evidence_ids or [])
        chosen = [r for r in everything if r.id in ids]
    elif scope.kind is ScopeKind.SYSTEM:
        system = next((r for r in snap.of("system") if r.id == scope.target), None)
        if system is None:
            raise UsageError(f"no AI system {scope.target} in the register (see 'aims system list')")
        chosen = [system, *(r for r in everything if r.id != system.id and mentions(r, [system.id]))]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(scope.kind)
    return _with_followers(chosen, everything)


def _with_followers(chosen: list[Any], everything: list[Any]) -> list[Any]:
    ids = {r.id for r in chosen}
    followers = [r for r in everything if r.id not in ids and r.record_type in _FOLLOWERS and mentions(r, ids)]
    ids.update(r.id for r in followers)
    # evidence of a follower (a treatment's proof) comes too
    ids.update(r.id for r in everything if r.record_type == "evidence" and r.id not in ids and mentions(r, ids))
    return [r for r in everything if r.id in ids]
