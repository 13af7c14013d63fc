"""EU AI Act classification stored on the AI system, with who answered and when.

The outcome goes into the system's ``eu_ai_act`` field and its ``risk_tier`` and EU
roles through the generic :class:`SystemService` update, so every classification is a
history event with the actor and the time. A stored classification remembers the purpose
and intended use it was made for; when either changes, :func:`needs_reclassification`
says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openaims.frameworks.euaiact.classifier import Classification
from openaims.register.services.systems import SystemOut, SystemService
from openaims.register.services.types import OrgRole

#: Version of the stored ``eu_ai_act`` structure.
STORED_FORMAT = 1
#: Roles the classification decides; other roles on the system (developer, operator, user) are kept.
EU_ROLES = frozenset({OrgRole.PROVIDER, OrgRole.DEPLOYER, OrgRole.IMPORTER, OrgRole.DISTRIBUTOR})
_WATCHED = ("purpose", "intended_use")


def stored_classification(system: SystemOut) -> dict[str, Any] | None:
    """The classification stored on ``system``, or None if it was never classified."""
    data = system.eu_ai_act or {}
    outcome = data.get("classification")
    return data if isinstance(outcome, dict) else None


def reclassification_reason(system: SystemOut) -> str | None:
    """Why ``system`` must be classified (again), or None when its classification is current."""
    stored = stored_classification(system)
    if stored is None:
        return f"{system.id} has no EU AI Act classification yet"
    outcome = stored.get("classification") or {}
    if outcome.get("outcome") == "needs_legal_review":
        asked = ", ".join(str(q.get("id")) for q in outcome.get("open_questions", []) if isinstance(q, dict))
        return f"the EU AI Act classification of {system.id} needs legal review (open questions: {asked})"
    basis = stored.get("basis") or {}
    changed = [name.replace("_", " ") for name in _WATCHED if basis.get(name) != getattr(system, name)]
    if changed:
        when = str(stored.get("answered_at", "?"))[:10]
        return f"the {' and '.join(changed)} of {system.id} changed since it was classified on {when}"
    return None


def needs_reclassification(system: SystemOut) -> bool:
    """True when ``system`` was never classified or its purpose or intended use changed since."""
    return reclassification_reason(system) is not None


def store_classification(
    systems: SystemService,
    system_id: str,
    outcome: Classification,
    *,
    answered_by: str | None = None,
    answered_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> SystemOut:
    """Store ``outcome`` on the AI system; one history event records the change.

    ``answered_by`` defaults to the acting user; ``expected_version`` guards against a
    concurrent change (the current version when not given).
    """
    system = systems.get(system_id)
    at = answered_at or systems.clock()
    kept = [r for r in system.organisation_roles if r not in EU_ROLES]
    decided = [OrgRole(r) for r in outcome.roles if r in {e.value for e in EU_ROLES}]
    if "product_manufacturer" in outcome.roles and OrgRole.PROVIDER not in decided:
        decided.append(OrgRole.PROVIDER)
    record = {
        "format": STORED_FORMAT,
        "classification": outcome.to_dict(),
        "answered_by": answered_by or systems.actor.name,
        "answered_at": at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "basis": {name: getattr(system, name) for name in _WATCHED},
    }
    changes = {
        "eu_ai_act": record,
        "risk_tier": outcome.register_tier,
        "organisation_roles": list(dict.fromkeys([*kept, *decided])),
    }
    version = system.version if expected_version is None else expected_version
    return systems.update(system_id, version, changes)


__all__ = [
    "needs_reclassification",
    "reclassification_reason",
    "store_classification",
    "stored_classification",
]
