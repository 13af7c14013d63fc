"""Documented information: is each item ISO/IEC 42001 clauses 4 to 10 require in the register?

The items come from the framework catalogue (``documented_information`` of each clause,
maintained or retained); where the register keeps each one is data
(``documented.yaml``) written in the readiness check vocabulary. Loading refuses a
mapping that misses a catalogue item, names an unknown one or an unknown check.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openaims.frameworks.loader import CatalogueError, load_catalogue
from openaims.readiness.checks import CHECKS
from openaims.readiness.model import CheckResult, Status, combine
from openaims.readiness.snapshot import Snapshot
from openaims.untrusted import InputError, read_yaml


class Presence(enum.StrEnum):
    FOUND = "found"
    INCOMPLETE = "incomplete"
    MISSING = "missing"


_PRESENCE = {
    Status.MET: Presence.FOUND,
    Status.NOT_APPLICABLE: Presence.FOUND,
    Status.PARTIAL: Presence.INCOMPLETE,
    Status.MISSING: Presence.MISSING,
}


class _Check(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    check: str


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    checks: list[_Check] = Field(min_length=1)


class _Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    items: list[_Item]


@dataclass(frozen=True)
class DocumentedItem:
    """One required documented-information item and what the register holds for it."""

    id: str
    clause: str
    clause_title: str
    what: str
    retention: str
    presence: Presence
    checks: tuple[CheckResult, ...]

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks]

    @property
    def links(self) -> list[str]:
        return list(dict.fromkeys(link for c in self.checks for link in c.links))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "clause": self.clause,
            "clause_title": self.clause_title,
            "what": self.what,
            "retention": self.retention,
            "presence": self.presence.value,
            "reasons": self.reasons,
            "links": self.links,
        }


@functools.cache
def load_mapping() -> _Mapping:
    """The item -> checks mapping, checked against the catalogue and the check vocabulary."""
    text = resources.files("openaims.readiness").joinpath("documented.yaml").read_text("utf-8")
    try:
        mapping = _Mapping.model_validate(read_yaml(text, "documented.yaml"))
    except (InputError, ValidationError) as exc:
        raise CatalogueError(f"documented-information mapping is invalid: {exc}") from None
    ids = [i.id for i in mapping.items]
    expected = [i.id for i in load_catalogue().framework("iso42001").of_kind("documented_information")]
    if sorted(ids) != sorted(expected):
        missing = sorted(set(expected) - set(ids))
        extra = sorted(set(ids) - set(expected))
        raise CatalogueError(f"documented-information mapping: missing {missing}, unknown {extra}")
    for item in mapping.items:
        unknown = [c.check for c in item.checks if c.check not in CHECKS]
        if unknown:
            raise CatalogueError(f"documented information {item.id} uses unknown check(s) {', '.join(unknown)}")
    return mapping


def documented_information(snap: Snapshot) -> list[DocumentedItem]:
    """Every required item of clauses 4-10 in catalogue order: found, incomplete or missing, with links."""
    by_id = {i.id: i for i in load_mapping().items}
    iso = load_catalogue().framework("iso42001")
    out: list[DocumentedItem] = []
    for entry in iso.of_kind("documented_information"):
        rule = by_id[entry.id]
        results = tuple(CHECKS[c.check](snap, dict(c.model_extra or {})) for c in rule.checks)
        clause = entry.parent or entry.id.split("/")[0]
        out.append(
            DocumentedItem(
                id=entry.id,
                clause=clause,
                clause_title=iso.get(clause).title,
                what=entry.title,
                retention=str(entry.details.get("retention", "")),
                presence=_PRESENCE[combine(results)],
                checks=results,
            )
        )
    return out


__all__ = ["DocumentedItem", "Presence", "documented_information", "load_mapping"]
