"""Scan ingest: record what a scan found as AI components of a repository.

One component per distinct piece of AI, keyed by kind, name, ecosystem and
provider (a secret by its fingerprint only: its value never reaches the register).
:func:`sync_scan` records a complete scan of one repository: new components are
created ``pending`` (waiting for review), components seen again get a new
``last_seen``, ones the scan no longer finds are marked ``disappeared`` and come
back when they reappear. A repository no AI system claims gets a ``proposed``
system. Syncing the same scan twice changes nothing but ``last_seen``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from openaims.discovery import sanitise
from openaims.discovery.interface import Finding, FindingKind
from openaims.errors import PermissionDeniedError
from openaims.register.actors import Actor, Permission, as_actor
from openaims.register.history import canonical_json
from openaims.register.models.base import utcnow
from openaims.register.services.systems import ComponentService, SystemService

#: Locations kept per component (the rest are counted).
MAX_LOCATIONS = 20


@dataclass(frozen=True)
class IngestReport:
    """What one scan changed in a repository's components (ids)."""

    repository: str
    system_id: str | None
    proposed_system: str | None
    new: list[str] = field(default_factory=list)
    seen_again: list[str] = field(default_factory=list)
    reappeared: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    pending_review: list[str] = field(default_factory=list)
    #: Impact assessments this scan made stale (a new model or provider).
    stale_assessments: list[str] = field(default_factory=list)

    def summary(self) -> str:
        proposed = f"; proposed AI system {self.proposed_system}" if self.proposed_system else ""
        stale = f"; impact assessment now stale: {', '.join(self.stale_assessments)}" if self.stale_assessments else ""
        return (
            f"{self.repository}: {len(self.new)} new, {len(self.seen_again)} seen again, "
            f"{len(self.reappeared)} reappeared, {len(self.disappeared)} disappeared, "
            f"{len(self.pending_review)} pending review{proposed}{stale}"
        )


def component_key(finding: Finding) -> dict[str, Any]:
    """The identity of the component behind a finding (a secret: its fingerprint, never its value)."""
    if finding.kind is FindingKind.SECRET:
        key_type = finding.details.get("key_type") or finding.name
        return {"kind": "secret", "name": str(key_type), "ecosystem": None, "provider": finding.provider,
                "secret": finding.fingerprint or ""}  # fmt: skip
    return {"kind": finding.kind.value, "name": finding.name, "ecosystem": finding.ecosystem,
            "provider": finding.provider}  # fmt: skip


def fingerprint(key: dict[str, Any]) -> str:
    """Stable SHA-256 of a component key."""
    return hashlib.sha256(canonical_json(key).encode("utf-8")).hexdigest()


def _details(finding: Finding) -> dict[str, Any]:
    """Facts worth keeping from the first finding of a component (no secret material)."""
    out: dict[str, Any] = {"category": finding.category} if finding.category else {}
    if finding.kind is FindingKind.SECRET:
        key_type = finding.details.get("key_type")
        if key_type:
            out["key_type"] = key_type
        return out
    if finding.version:
        out["version"] = finding.version
    if finding.direct is not None:
        out["direct"] = finding.direct
    if finding.kind is FindingKind.MODEL_FILE:
        for name in ("sha256", "size", "lfs_pointer", "dangerous_globals"):
            if name in finding.details:
                out[name] = finding.details[name]
        if finding.unsafe is not None:
            out["unsafe"] = finding.unsafe
    if finding.kind is FindingKind.MCP_SERVER:
        for name in ("transport", "package", "url", "client"):
            if finding.details.get(name):
                out[name] = finding.details[name]
    return out


def components_of(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """One component per distinct key, with where it was found."""
    found: dict[str, dict[str, Any]] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        key = component_key(finding)
        digest = fingerprint(key)
        item = found.get(digest)
        if item is None:
            name = key["name"]
            if key["kind"] == "secret":
                name = f"{name} ({digest[:12]})"
            item = found[digest] = {
                "kind": key["kind"],
                "name": name[:400],
                "ecosystem": key["ecosystem"],
                "provider": key["provider"],
                "fingerprint": digest,
                "details": {**_details(finding), "locations": [], "occurrences": 0},
            }
        details = item["details"]
        details["occurrences"] += 1
        where = finding.path if finding.line is None else f"{finding.path}:{finding.line}"
        if len(details["locations"]) < MAX_LOCATIONS and where not in details["locations"]:
            details["locations"].append(where)
    return list(found.values())


def sync_scan(
    session: Session,
    actor: Actor | str,
    repository: str,
    findings: Iterable[Finding],
    *,
    system_id: str | None = None,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Record one complete scan of ``repository`` in the caller's transaction.

    Admins, AIMS managers and CI service accounts may push scans; contributors, auditors
    and viewers may not. Findings and the repository name pass the scanner's redaction
    gate again, so a pushed or hand-made report cannot store a key either.
    """
    who = as_actor(actor)
    if not who.may(Permission.PUSH_SCANS):
        raise PermissionDeniedError(
            f"{who.describe()} may not record scans; an admin, an AIMS manager or a CI service account "
            "(role 'ci') pushes scans"
        )
    repository = sanitise.text(repository)
    findings = [sanitise.finding(finding) for finding in findings]
    moment = now or utcnow()
    systems = SystemService(session, who, clock=lambda: moment)
    systems.scan_ingest = True
    proposed: str | None = None
    if system_id is not None:
        systems.get(system_id)
    else:
        claiming = systems.for_repository(repository)
        if not claiming:
            name = repository.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or repository
            proposed = systems.propose(
                f"{name} (discovered)",
                repository,
                description=f"Proposed by a scan of {repository}: it uses AI and no AI system claims it. "
                "Give it an owner, a purpose and an intended use, or retire it.",
            ).id
            system_id = proposed
        elif len(claiming) == 1:
            system_id = claiming[0].id
    components = ComponentService(session, who, clock=lambda: moment)
    components.scan_ingest = True
    result = components.sync(repository, components_of(findings), seen_at=moment, system_id=system_id)
    pending = [c.id for c in components.unreviewed(repository)]
    claimants = {system_id} if system_id is not None else set()
    claimants |= {s.id for s in systems.for_repository(repository)}
    stale = _mark_assessments_stale(
        session, who, repository, sorted(claimants), [*result.created, *result.reappeared], moment
    )
    return IngestReport(
        repository=repository,
        system_id=system_id,
        proposed_system=proposed,
        new=result.created,
        seen_again=result.seen_again,
        reappeared=result.reappeared,
        disappeared=result.disappeared,
        pending_review=pending,
        stale_assessments=stale,
    )


#: Component kinds that are a model (a named model or a model file).
MODEL_KINDS = frozenset({FindingKind.MODEL.value, FindingKind.MODEL_FILE.value})


def _mark_assessments_stale(
    session: Session, who: Actor, repository: str, system_ids: list[str], component_ids: list[str], moment: dt.datetime
) -> list[str]:
    """A new model or provider on a system's repository makes its impact assessment stale [6.1.4]."""
    if not system_ids or not component_ids:
        return []
    from openaims.register.services.impact_currency import StaleTrigger, mark_stale

    components = ComponentService(session, who)
    new = [components.get(cid) for cid in component_ids]
    new_ids = set(component_ids)
    marked: list[str] = []
    for system_id in system_ids:
        known = {c.provider for c in components.all(system_id=system_id) if c.provider and c.id not in new_ids}
        known |= {c.provider for c in components.all(repository=repository) if c.provider and c.id not in new_ids}
        for component in new:
            if component.kind in MODEL_KINDS:
                marked += mark_stale(session, who, system_id, StaleTrigger.NEW_MODEL,
                                     f"new model {component.name} ({component.id}) found in {repository} by a scan",
                                     record_id=component.id, clock=lambda: moment)  # fmt: skip
            elif component.provider and component.provider not in known:
                known.add(component.provider)
                marked += mark_stale(session, who, system_id, StaleTrigger.NEW_PROVIDER,
                                     f"new provider {component.provider} ({component.name}, {component.id}) found "
                                     f"in {repository} by a scan",
                                     record_id=component.id, clock=lambda: moment)  # fmt: skip
    return sorted(set(marked), key=lambda i: (len(i), i))
