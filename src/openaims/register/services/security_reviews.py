"""AI security reviews: a threat model per AI system, decisions on it, red-team results [6.1.2, 6.1.3, A.6.2.4].

:meth:`SecurityReviewService.start` builds a draft from what the register knows about the
system (:mod:`openaims.register.threat_model`): every threat of the catalogues, applicable
or not with its reasons, and the scanner and linter findings that enable them. Starting again
while a draft is open refreshes it and keeps the decisions already made. For each applicable
threat the reviewer records existing controls, the gap and a decision (:meth:`decide`): a
risk (new or linked) with a treatment, or an accepted gap with a rationale, accepted by an
admin or AIMS manager acting themselves. Completing the review is its approval: refused
while a threat is undecided, and by the system's owner when the organisation asks for an
independent approval. Completing supersedes the system's previous completed review.

A completed review goes stale when a scan finds an MCP server, model or provider the review
was not built on (:meth:`staleness`). Red-team result files (:meth:`import_results`) are
stored as evidence and summarised per attack category on the draft.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from openaims.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from openaims.frameworks.threats import ThreatCatalogues, load_threats
from openaims.redteam import ResultFormat, parse_results, threats_for
from openaims.register import threat_model
from openaims.register.approvals import ApprovalPoint
from openaims.register.errors import RuleViolationError
from openaims.register.models.security_reviews import SecurityReview
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.evidence import EvidenceService
from openaims.register.services.types import RecordId, Short, Text, Title, closed

#: How a threat was decided.
Decision = Literal["risk", "accepted"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThreatEntry(_Part):
    """One threat in a review: whether it applies and why, and the reviewer's decision."""

    key: str
    title: str
    applicable: bool
    reasons: list[str] = []
    controls: list[str] = []
    existing_controls: Text = None
    gap: Text = None
    decision: Decision | None = None
    risk_id: RecordId | None = None
    treatment_id: RecordId | None = None
    rationale: Text = None
    decided_by: Short = None
    decided_on: dt.date | None = None


class ReviewItem(_Part):
    """A scanner or linter finding on the system's repositories and the threat it enables."""

    rule: str
    title: str
    threat: str
    source: str
    where: str = ""
    key: str


class CategoryOutcome(_Part):
    """Pass and fail counts of one attack category, and the threats a failure demonstrates."""

    category: str
    passed: int
    failed: int
    errors: int = 0
    threats: list[str] = []
    raised: list[str] = []


class ResultImport(_Part):
    """One imported red-team result file (stored as evidence)."""

    evidence_id: RecordId
    format: str
    filename: str
    tool_version: Short = None
    run_id: Short = None
    imported_on: dt.date
    imported_by: str
    categories: list[CategoryOutcome] = []


class SecurityReviewFields(RecordFields):
    """The threat model of one AI system: questionnaire, threats with decisions, items, results."""

    system_id: RecordId
    title: Title
    owner: Short = None
    system_owner: Short = None
    answers: dict[str, Any] = {}
    threats: list[ThreatEntry] = []
    items: list[ReviewItem] = []
    results: list[ResultImport] = []
    basis: list[str] = []
    catalogue_versions: dict[str, Any] = {}
    summary: Text = None
    approved_by: Short = None
    approved_on: dt.date | None = None


class SecurityReviewOut(SecurityReviewFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    def undecided(self) -> list[ThreatEntry]:
        return [t for t in self.threats if t.applicable and t.decision is None]

    def threat(self, key: str) -> ThreatEntry:
        for entry in self.threats:
            if entry.key == key or entry.key.split(":", 1)[1] == key:
                return entry
        raise NotFoundError(f"{self.id} has no threat {key!r}; 'aims review show {self.system_id}' lists them")


@dataclass(frozen=True)
class Staleness:
    """Why a review no longer describes its system (empty: it does)."""

    reasons: tuple[str, ...]

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


class SecurityReviewService(RecordService[SecurityReviewFields, SecurityReviewOut]):
    model = SecurityReview
    fields = SecurityReviewFields
    out = SecurityReviewOut
    initial_status = "draft"
    transitions = closed(("draft", ("completed",)), ("completed", ("superseded",)))
    references = {"system_id": "SYS"}
    owner_fields = ("owner",)
    frozen_statuses = frozenset({"completed", "superseded"})
    final_statuses = frozenset({"superseded"})
    search_fields = ("title", "summary")
    approval = ApprovalPoint("approved", "completed", by_field="approved_by", on_field="approved_on")

    #: Whether the system's owner may not complete (approve) its review; callers set it from
    #: the organisation's setting (``AIMS_SECURITY_REVIEW_INDEPENDENT``).
    independent_approval: bool = True

    # ------------------------------------------------------------------ rules
    def check(
        self, record_id: str, before: SecurityReviewOut | None, fields: SecurityReviewFields, status: str
    ) -> None:
        keys = [t.key for t in fields.threats]
        require(len(keys) == len(set(keys)), f"{record_id}: a threat is listed twice")
        if status == "completed" and (before is None or before.status != "completed"):
            undecided = [t for t in fields.threats if t.applicable and t.decision is None]
            require(
                not undecided,
                f"{record_id} cannot be completed: {len(undecided)} applicable threat(s) undecided: "
                + ", ".join(t.key for t in undecided)
                + f"; decide each with 'aims review decide {record_id} THREAT ...'",
            )
            if self.independent_approval and fields.system_owner:
                require(
                    not self.same_person(fields.approved_by, fields.system_owner),
                    f"{record_id}: the organisation asks for an independent approval: {fields.system_owner} owns "
                    f"{fields.system_id}, so someone else completes its security review",
                )

    def after_write(self, before: SecurityReviewOut | None, after: SecurityReviewOut) -> None:
        if after.status == "completed" and (before is None or before.status != "completed"):
            for other in self.all(system_id=after.system_id, status="completed"):
                if other.id != after.id:
                    self.transition(other.id, other.version, "superseded")

    # ------------------------------------------------------------------ reads
    def draft(self, system_id: str) -> SecurityReviewOut | None:
        found = self.all(system_id=system_id, status="draft")
        return found[-1] if found else None

    def current(self, system_id: str) -> SecurityReviewOut | None:
        """The completed review in force for a system."""
        found = self.all(system_id=system_id, status="completed")
        return found[-1] if found else None

    def for_system(self, system_id: str) -> SecurityReviewOut:
        """The open draft, else the review in force; NotFoundError naming how to start one."""
        found = self.draft(system_id) or self.current(system_id)
        if found is None:
            self._system(system_id)
            raise NotFoundError(f"{system_id} has no security review; start one with 'aims review start {system_id}'")
        return found

    def resolve(self, ref: str) -> SecurityReviewOut:
        """A review by its id, or the open/current review of a system id."""
        if ref.upper().startswith(self.prefix() + "-"):
            return self.get(ref.upper())
        return self.for_system(ref.upper())

    def _system(self, system_id: str) -> Any:
        from openaims.register.services.systems import SystemService

        return self.service(SystemService).get(system_id)

    def components(self, system_id: str) -> builtins.list[Any]:
        """Components scans found for the system: assigned to it or in one of its repositories."""
        from openaims.register.services.systems import ComponentService

        system = self._system(system_id)
        components = self.service(ComponentService)
        found = {c.id: c for c in components.all(system_id=system_id)}
        for repository in system.repositories:
            found.update({c.id: c for c in components.all(repository=repository)})
        return [c for c in sorted(found.values(), key=lambda c: int(c.id.split("-")[1])) if c.status != "rejected"]

    # ------------------------------------------------------------------ start
    def start(
        self,
        system_id: str,
        answers: threat_model.Answers,
        *,
        lint: Iterable[threat_model.LintLike] = (),
        catalogues: ThreatCatalogues | None = None,
    ) -> SecurityReviewOut:
        """A draft threat model for the system (a refreshed one when a draft is open)."""
        catalogues = catalogues or load_threats()
        system = self._system(system_id)
        existing = self.draft(system_id)
        if existing is not None:
            answers = threat_model.Answers.from_dict(existing.answers).merged(answers)
        components = self.components(system_id)
        facts = threat_model.facts_of(system, components, answers)
        kept = {t.key: t for t in existing.threats} if existing is not None else {}
        threats: builtins.list[dict[str, Any]] = []
        for proposal in threat_model.propose(catalogues.threats, facts):
            entry = ThreatEntry(key=proposal.threat.key, title=proposal.threat.title,
                                applicable=proposal.applicable, reasons=list(proposal.reasons),
                                controls=list(proposal.threat.controls))  # fmt: skip
            before = kept.get(entry.key)
            if before is not None and proposal.applicable:
                entry = before.model_copy(update={"reasons": entry.reasons, "controls": entry.controls,
                                                  "applicable": True, "title": entry.title})  # fmt: skip
            threats.append(entry.model_dump(mode="json"))
        items = [i.to_dict() for i in threat_model.items_of(catalogues.finding_rules, components, lint)]
        data: dict[str, Any] = {
            "answers": answers.to_dict(),
            "threats": threats,
            "items": items,
            "basis": sorted(threat_model.material(components)),
            "catalogue_versions": catalogues.versions(),
            "system_owner": system.owner,
        }
        if existing is not None:
            return self.update(existing.id, existing.version, data)
        return self.create({"system_id": system_id, "title": f"Security review of {system.name}",
                            "owner": self.actor.name, **data})  # fmt: skip

    # ----------------------------------------------------------------- decide
    def decide(
        self,
        review_id: str,
        threat: str,
        *,
        existing_controls: str | None = None,
        gap: str | None = None,
        risk_id: str | None = None,
        new_risk: str | None = None,
        treatment: str | None = None,
        accept: bool = False,
        rationale: str | None = None,
    ) -> SecurityReviewOut:
        """Record the decision on one applicable threat: a risk (new or linked) with a
        treatment, or an accepted gap (rationale; accepted by the acting admin or AIMS manager)."""
        from openaims.register.services.risks import RiskService, TreatmentService

        review = self.get(review_id)
        require(review.status == "draft", f"{review.id} is {review.status}; start a new review to change decisions")
        entry = review.threat(threat)
        require(entry.applicable, f"{entry.key} does not apply to {review.system_id}; only applicable threats "
                                  "are decided")  # fmt: skip
        chosen = [
            name for name, given in (("--risk", risk_id), ("--new-risk", new_risk), ("--accept", accept)) if given
        ]
        if len(chosen) != 1:
            raise UsageError(f"decide {entry.key} with exactly one of --risk RISK-ID, --new-risk TITLE or --accept"
                             + (f" (got {', '.join(chosen)})" if chosen else ""))  # fmt: skip
        update: dict[str, Any] = {
            "existing_controls": existing_controls if existing_controls is not None else entry.existing_controls,
            "gap": gap if gap is not None else entry.gap,
            "decided_by": self.actor.name,
            "decided_on": self.clock().date(),
        }
        system = self._system(review.system_id)
        threat_info = load_threats().get(entry.key)
        if accept:
            if not rationale:
                raise UsageError(f"accepting the gap on {entry.key} needs --rationale")
            if not self.actor.is_manager:
                raise PermissionDeniedError(
                    f"accepting a gap is a risk acceptance: only an admin or AIMS manager accepts it; "
                    f"{self.actor.name} is {self.actor.role_label}; link or raise a risk instead"
                )
            update |= {"decision": "accepted", "rationale": rationale, "risk_id": None, "treatment_id": None}
        else:
            risks = self.service(RiskService)
            if new_risk:
                risk = risks.create({
                    "title": new_risk,
                    "description": f"{threat_info.label()}: {threat_info.summary}"
                    + (f"\nGap: {update['gap']}" if update["gap"] else ""),
                    "source": f"Security review {review.id}",
                    "category": "security",
                    "system_ids": [review.system_id],
                    "owner": system.owner,
                })  # fmt: skip
                treatment = treatment or "mitigate"
            else:
                assert risk_id is not None
                risk = risks.get(risk_id.upper())
            treatment_id = entry.treatment_id if entry.risk_id == risk.id else None
            if treatment:
                made = self.service(TreatmentService).create({
                    "risk_id": risk.id, "option": treatment,
                    "description": "; ".join(m.text for m in threat_info.mitigations),
                    "control_ids": list(threat_info.controls), "owner": system.owner,
                })  # fmt: skip
                treatment_id = made.id
            else:
                live = self.service(TreatmentService).all(risk_id=risk.id)
                require(
                    bool(live) or treatment_id is not None,
                    f"{risk.id} has no treatment; add one with --treatment mitigate|avoid|transfer|accept",
                )
                treatment_id = treatment_id or live[-1].id
            update |= {"decision": "risk", "risk_id": risk.id, "treatment_id": treatment_id, "rationale": rationale}
        threats = [
            (t.model_copy(update=update) if t.key == entry.key else t).model_dump(mode="json") for t in review.threats
        ]
        return self.update(review.id, review.version, {"threats": threats})

    # --------------------------------------------------------------- complete
    def complete(self, review_id: str, *, summary: str | None = None) -> SecurityReviewOut:
        """Complete (approve) the review as the acting person; refused with the undecided threats."""
        review = self.get(review_id)
        if review.status != "draft":
            raise ConflictError(f"{review.id} is already {review.status}")
        changes = {"summary": summary} if summary else {}
        return self.approve_record(review.id, review.version, changes)

    # -------------------------------------------------------------- staleness
    def staleness(self, review: SecurityReviewOut) -> Staleness:
        """What scans found since the review that it was not built on (new MCP servers, models, providers)."""
        return staleness_of(review, self.components(review.system_id))

    def is_current(self, system_id: str) -> bool:
        """Whether the system has a completed review that is not stale (a lifecycle gate criterion)."""
        review = self.current(system_id)
        return review is not None and not self.staleness(review).stale

    # ---------------------------------------------------------------- results
    def import_results(
        self,
        system_id: str,
        path: Path,
        *,
        evidence: EvidenceService,
        fmt: ResultFormat | None = None,
    ) -> tuple[SecurityReviewOut, ResultImport]:
        """Parse a red-team result file, store it as evidence and summarise it on the open review.

        The file is parsed before anything is stored: a file in no known format is one error
        naming the formats expected, and leaves the register and the evidence store unchanged.
        """
        review = self.draft(system_id.upper())
        if review is None:
            self._system(system_id.upper())
            raise NotFoundError(f"{system_id} has no open security review; start one with 'aims review start "
                                f"{system_id}' (a completed review does not change)")  # fmt: skip
        if not path.is_file():
            raise UsageError(f"{path} is not a readable file")
        from openaims.redteam.interface import RESULT_LIMITS
        from openaims.untrusted import read_bytes

        data = read_bytes(path, RESULT_LIMITS)
        results = parse_results(data, path.name, fmt)
        stored = evidence.add_file(
            path,
            title=f"{results.format.value} results: {path.name}",
            record_ids=[review.id, review.system_id],
            description=f"Red-team results ({results.tool_version or results.format.value}) imported into "
            f"the security review {review.id}: {results.passed} passed, {results.failed} failed.",
        )
        imported = ResultImport(
            evidence_id=stored.id, format=results.format.value, filename=path.name[:200],
            tool_version=results.tool_version, run_id=results.run_id, imported_on=self.clock().date(),
            imported_by=self.actor.name,
            categories=[CategoryOutcome(category=c.category[:200], passed=c.passed, failed=c.failed,
                                        errors=c.errors, threats=list(threats_for(results.format, c.category)))
                        for c in results.categories],
        )  # fmt: skip
        results_list = [*(r.model_dump(mode="json") for r in review.results), imported.model_dump(mode="json")]
        return self.update(review.id, review.version, {"results": results_list}), imported

    def raise_from_result(
        self, review_id: str, evidence_id: str, category: str, *, as_incident: bool = False
    ) -> tuple[SecurityReviewOut, str]:
        """Raise a risk (or an incident) from a failed category of an imported result file."""
        from openaims.register.services.incidents import IncidentService
        from openaims.register.services.risks import RiskService

        review = self.get(review_id)
        require(review.status == "draft", f"{review.id} is {review.status}; raise from the open review")
        results = [r for r in review.results if r.evidence_id == evidence_id.upper()]
        if not results:
            raise NotFoundError(f"{review.id} has no results imported as {evidence_id}")
        outcome = next((c for c in results[0].categories if c.category == category), None)
        if outcome is None:
            names = ", ".join(c.category for c in results[0].categories)
            raise NotFoundError(f"{evidence_id} has no category {category!r}; it has: {names}")
        require(outcome.failed > 0, f"{category} in {evidence_id} has no failures to raise")
        system = self._system(review.system_id)
        threats = ", ".join(outcome.threats) or "no catalogued threat"
        title = f"Red-team failure in {category} ({results[0].format})"[:200]
        description = (f"{outcome.failed} of {outcome.passed + outcome.failed} attempts failed in {category} "
                       f"({results[0].filename}, evidence {evidence_id.upper()}); demonstrates {threats}.")  # fmt: skip
        if as_incident:
            raised = self.service(IncidentService).create({
                "title": title, "description": description, "category": "security",
                "system_ids": [review.system_id], "owner": system.owner, "links": [review.id, evidence_id.upper()],
            }).id  # fmt: skip
        else:
            raised = self.service(RiskService).create({
                "title": title, "description": description, "source": f"Security review {review.id}",
                "category": "security", "system_ids": [review.system_id], "owner": system.owner,
                "links": [review.id, evidence_id.upper()],
            }).id  # fmt: skip
        updated = []
        for r in review.results:
            if r.evidence_id == evidence_id.upper():
                r = r.model_copy(update={"categories": [
                    c.model_copy(update={"raised": [*c.raised, raised]}) if c.category == category else c
                    for c in r.categories]})  # fmt: skip
            updated.append(r.model_dump(mode="json"))
        return self.update(review.id, review.version, {"results": updated}), raised

    # ---------------------------------------------------------------- summary
    def failures_by_threat(self, review: SecurityReviewOut) -> dict[str, builtins.list[str]]:
        """Threat key -> "category (file): n failed" for every failed category that demonstrates it."""
        out: dict[str, builtins.list[str]] = {}
        for result in review.results:
            for cat in result.categories:
                if cat.failed:
                    for key in cat.threats:
                        out.setdefault(key, []).append(f"{cat.category} ({result.filename}): {cat.failed} failed")
        return out


def system_components(system: Any, components: Iterable[Any]) -> builtins.list[Any]:
    """Of ``components``, those scans found for ``system``: assigned to it or in one of its
    repositories, not rejected (what :meth:`SecurityReviewService.components` reads from the database)."""
    repositories = set(system.repositories)
    return [
        c for c in components
        if (c.system_id == system.id or c.repository in repositories) and c.status != "rejected"
    ]  # fmt: skip


def staleness_of(review: SecurityReviewOut, components: Iterable[Any]) -> Staleness:
    """What ``components`` (the system's, as scans found them) hold that ``review`` was not built on."""
    if review.status == "superseded":
        return Staleness((f"superseded by a later review of {review.system_id}",))
    now = threat_model.material(components)
    basis = set(review.basis)
    reasons = []
    for key, comp in sorted(now.items()):
        if key in basis:
            continue
        seen = getattr(comp, "first_seen", None)
        when = f" on {seen.date().isoformat()}" if isinstance(seen, dt.datetime) else ""
        reasons.append(f"new {threat_model.describe_basis(key)} found by a scan{when} ({comp.id})")
    return Staleness(tuple(reasons))


def unhandled_failures(review: SecurityReviewOut) -> builtins.list[str]:
    """Failed red-team categories of ``review`` with nothing raised from them and no decided threat
    they demonstrate: "category (file)"."""
    decided = {t.key for t in review.threats if t.decision is not None}
    out = []
    for result in review.results:
        for cat in result.categories:
            if cat.failed and not cat.raised and not (cat.threats and set(cat.threats) <= decided):
                out.append(f"{cat.category} ({result.filename})")
    return out


def items_by_threat(review: SecurityReviewOut) -> dict[str, builtins.list[ReviewItem]]:
    out: dict[str, builtins.list[ReviewItem]] = {}
    for item in review.items:
        out.setdefault(item.threat, []).append(item)
    return out


def undecided_keys(review: SecurityReviewOut) -> Sequence[str]:
    return [t.key for t in review.undecided()]


__all__ = [
    "CategoryOutcome",
    "ResultImport",
    "ReviewItem",
    "RuleViolationError",
    "SecurityReviewFields",
    "SecurityReviewOut",
    "SecurityReviewService",
    "Staleness",
    "ThreatEntry",
    "staleness_of",
    "system_components",
    "unhandled_failures",
]
