"""What a Statement of Applicability needs before it can be approved [6.1.3 d, 7.5.2].

Every row assessed, every row justified, and every row that says "implemented" linked to the
evidence or the record that shows it. Evidence counts whichever side linked it: the SoA row's
``evidence_ids`` or the evidence's ``record_ids`` naming the row are one link. The same
justification word for word on several rows is worth a warning, not a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.services.evidence import EvidenceService


def linked_evidence(session: Session, actor: Actor, row_ids: Iterable[str]) -> dict[str, list[str]]:
    """Evidence that names each SoA row from the evidence side (withdrawn evidence not counted)."""
    wanted = set(row_ids)
    found: dict[str, list[str]] = {row_id: [] for row_id in wanted}
    for item in EvidenceService(session, actor).all():
        if item.status == "withdrawn":
            continue
        for record_id in item.record_ids:
            if record_id in wanted:
                found[record_id].append(item.id)
    return found


def evidence_of(row: Mapping[str, Any], from_evidence: Sequence[str]) -> list[str]:
    """The row's evidence, one entry per link whichever side made it."""
    return list(dict.fromkeys([*(row.get("evidence_ids") or []), *from_evidence]))


@dataclass(frozen=True)
class Refusal:
    """Why the SoA cannot be approved yet: one rule and the controls that break it."""

    rule: str
    controls: tuple[str, ...]
    remedy: str

    def describe(self) -> str:
        return f"{self.rule}: {', '.join(self.controls)} ({self.remedy})"


def refusals(rows: Sequence[Mapping[str, Any]]) -> list[Refusal]:
    """Every rule the rows break (rows as frozen into a version, evidence from both sides)."""
    not_assessed = tuple(str(r["control_id"]) for r in rows if r.get("status") == "not_assessed")
    unjustified = tuple(
        str(r["control_id"])
        for r in rows
        if r.get("status") != "not_assessed" and not str(r.get("justification") or "").strip()
    )
    unproven = tuple(
        str(r["control_id"])
        for r in rows
        if r.get("status") == "implemented"
        and not (r.get("evidence_ids") or r.get("treatment_ids") or r.get("links"))
    )
    found = [
        Refusal(f"{len(not_assessed)} not assessed", not_assessed,
                "give each a status and a justification with 'aims soa-entry update'"),
        Refusal(f"{len(unjustified)} without a justification", unjustified, "say why, applicable or not"),
        Refusal(f"{len(unproven)} implemented with no linked evidence or record", unproven,
                "link the evidence or the record that shows it (--evidence-ids, --treatment-ids, --links, or "
                "'aims evidence attach')"),
    ]  # fmt: skip
    return [r for r in found if r.controls]


def repeated_justifications(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """Groups of controls whose justifications are the same text (whitespace and case aside)."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        text = " ".join(str(row.get("justification") or "").split()).casefold()
        if text:
            groups.setdefault(text, []).append(str(row["control_id"]))
    return [tuple(controls) for controls in groups.values() if len(controls) > 1]
