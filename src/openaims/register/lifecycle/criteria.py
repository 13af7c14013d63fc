"""Named entry criteria of life-cycle stages, each a small check over the register.

A criterion looks at one system and the move it is making and says ``met``, ``missing`` or
``not-applicable``, with the records behind the answer and, when missing, the command or
page that satisfies it. The life-cycle file names criteria by id; a new criterion is one
function registered with :func:`criterion`.

``security-review`` is met by a completed AI security review of the system that is not stale
(no MCP server, model or provider found since it was built on); a register without the
``security_review`` record type finds it not applicable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.lifecycle.model import Lifecycle

State = Literal["met", "missing", "not-applicable"]


@dataclass(frozen=True, slots=True)
class GateContext:
    """One move being judged: the system (as it is before the move), where it goes, and when."""

    session: Session
    actor: Actor
    system: Any  # SystemOut (typed loosely: services import this module)
    from_stage: str
    to_stage: str
    lifecycle: Lifecycle
    today: dt.date


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's answer: ``detail`` says why; ``remedy`` what satisfies it when missing."""

    id: str
    title: str
    state: State
    detail: str
    records: tuple[str, ...] = ()
    remedy: str = ""

    @property
    def met(self) -> bool:
        return self.state != "missing"


Check = Callable[[GateContext], CriterionResult]


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    check: Check


CRITERIA: dict[str, Criterion] = {}


def criterion(criterion_id: str, title: str) -> Callable[[Check], Check]:
    """Register ``check`` as criterion ``criterion_id`` (a later registration replaces an earlier one)."""

    def register(check: Check) -> Check:
        CRITERIA[criterion_id] = Criterion(criterion_id, title, check)
        return check

    return register


def evaluate(criterion_id: str, ctx: GateContext) -> CriterionResult:
    return CRITERIA[criterion_id].check(ctx)


def _result(ctx_id: str, state: State, detail: str, records: tuple[str, ...] = (), remedy: str = "") -> CriterionResult:
    return CriterionResult(ctx_id, CRITERIA[ctx_id].title, state, detail, records, remedy if state == "missing" else "")


def _page(record_id: str) -> str:
    return f"the page /r/{record_id}"


# ------------------------------------------------------------------ criteria
@criterion("eu-ai-act-classification", "EU AI Act classification stored")
def eu_ai_act_classification(ctx: GateContext) -> CriterionResult:
    from openaims.register.services.classification import reclassification_reason, stored_classification

    system = ctx.system
    remedy = f"classify it with 'aims classify {system.id}'"
    reason = reclassification_reason(system)
    if reason is not None:
        return _result("eu-ai-act-classification", "missing", reason, (), remedy)
    stored = stored_classification(system) or {}
    when = str(stored.get("answered_at", ""))[:10]
    return _result(
        "eu-ai-act-classification", "met",
        f"classified {system.risk_tier} by {stored.get('answered_by', '?')} on {when}", (system.id,),
    )  # fmt: skip


def _stale_reason(assessment: Any) -> str | None:
    """Why an approved assessment no longer counts (the re-assessment triggers that fired)."""
    reasons = getattr(assessment, "stale_reasons", None)
    if reasons:
        return "; ".join(r.reason for r in reasons)
    for name in ("stale_reason", "staleness_reason"):
        value = getattr(assessment, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    stale = getattr(assessment, "stale", None)
    if stale is True:
        return "it is marked stale"
    if isinstance(stale, (list, dict)) and stale:
        return "it is marked stale"
    return None


@criterion("impact-assessment-current", "Current approved impact assessment")
def impact_assessment_current(ctx: GateContext) -> CriterionResult:
    from openaims.register.services.impact import ImpactAssessmentService

    system = ctx.system
    remedy = (
        f"assess it with 'aims impact-assessment add --system-id {system.id} ...' and have it approved "
        "('aims impact-assessment approve IA-N')"
    )
    current = ImpactAssessmentService(ctx.session, ctx.actor).current(system.id)
    if current is None:
        return _result("impact-assessment-current", "missing", f"{system.id} has no approved impact assessment",
                       (), remedy)  # fmt: skip
    stale = _stale_reason(current)
    if stale is not None:
        return _result("impact-assessment-current", "missing", f"{current.id} is stale: {stale}", (current.id,),
                       remedy.replace("assess it", "re-assess it"))  # fmt: skip
    if current.next_review is not None and current.next_review < ctx.today:
        return _result(
            "impact-assessment-current", "missing", f"{current.id} was due for review on {current.next_review}",
            (current.id,), remedy.replace("assess it", "re-assess it"),
        )  # fmt: skip
    return _result(
        "impact-assessment-current", "met",
        f"{current.id} approved by {current.reviewer} on {current.assessed_on}", (current.id,),
    )  # fmt: skip


@criterion("risks-treated", "Risks assessed and treated; residual risk above appetite accepted")
def risks_treated(ctx: GateContext) -> CriterionResult:
    from openaims.register.services.risks import RiskService, TreatmentService

    system = ctx.system
    risks = RiskService(ctx.session, ctx.actor)
    found = [r for r in risks.all(system_ids=system.id) if r.status != "closed"]
    if not found:
        return _result(
            "risks-treated", "missing", f"no risk of {system.id} is recorded", (),
            f"assess its risks with 'aims risk add --system-ids {system.id} ...'",
        )  # fmt: skip
    problems: list[str] = []
    treatments = TreatmentService(ctx.session, ctx.actor)
    for risk in found:
        if risk.status == "identified":
            problems.append(f"{risk.id} is not assessed")
            continue
        method = risks.method(risk.method_id) if risk.method_id else None
        if method is None:
            continue
        inherent_above = risk.inherent_rating is not None and not method.within_appetite(risk.inherent_rating)
        residual_above = risk.residual_rating is not None and not method.within_appetite(risk.residual_rating)
        live = [t for t in treatments.all(risk_id=risk.id) if t.status != "cancelled"]
        if inherent_above and not live:
            problems.append(f"{risk.id} is rated {risk.inherent_rating} (above appetite) and has no treatment")
        elif inherent_above and risk.residual_rating is None:
            problems.append(f"{risk.id} has no residual rating after its treatment")
        elif residual_above and risk.status != "accepted":
            problems.append(f"{risk.id} keeps a residual {risk.residual_rating} above appetite, not accepted")
    ids = tuple(r.id for r in found)
    if problems:
        return _result(
            "risks-treated", "missing", "; ".join(problems), ids,
            "treat them ('aims treatment add --risk-id RISK-N ...') and have residual risk above appetite "
            "accepted by an AIMS manager ('aims treatment approve TREAT-N', then 'aims risk update RISK-N "
            "--status accepted')",
        )  # fmt: skip
    return _result("risks-treated", "met", f"{len(found)} risk(s) assessed and treated or accepted", ids)


@criterion("verification-evidence", "Verification evidence attached")
def verification_evidence(ctx: GateContext) -> CriterionResult:
    from openaims.register.services.evidence import EvidenceService

    system = ctx.system
    items = [e for e in EvidenceService(ctx.session, ctx.actor).for_record(system.id) if e.status == "active"]
    if not items:
        return _result(
            "verification-evidence", "missing", f"no evidence is attached to {system.id}", (),
            f"attach the verification and validation results with 'aims evidence add-file FILE --attach {system.id}'",
        )  # fmt: skip
    return _result("verification-evidence", "met", f"{len(items)} evidence item(s) attached",
                   tuple(e.id for e in items))  # fmt: skip


@criterion("approved-change", "Approved life-cycle change")
def approved_change(ctx: GateContext) -> CriterionResult:
    from openaims.register.services.changes import ChangeService

    system = ctx.system
    changes = ChangeService(ctx.session, ctx.actor).all(system_id=system.id, kind="lifecycle", to_stage=ctx.to_stage)
    fitting = [
        c for c in changes
        if c.status == "approved" or (c.status == "implemented" and c.from_stage == ctx.from_stage)
    ]  # fmt: skip
    if not fitting:
        return _result(
            "approved-change", "missing", f"no approved change moves {system.id} to {ctx.to_stage}", (),
            f"request one with 'aims change add --kind lifecycle --system-id {system.id} --to-stage {ctx.to_stage} "
            "--title ... --reason ... --impact-analysis ...' and have an AIMS manager approve it "
            "('aims change approve CHG-N')",
        )  # fmt: skip
    change = fitting[-1]
    return _result("approved-change", "met", f"{change.id} approved by {change.approver} on {change.approved_on}",
                   (change.id,))  # fmt: skip


#: The record type of the AI security review, and the statuses in which a review is complete.
SECURITY_REVIEW_TYPE = "security_review"
SECURITY_REVIEW_DONE = frozenset({"completed", "approved", "closed"})


@criterion("security-review", "Completed AI security review")
def security_review(ctx: GateContext) -> CriterionResult:
    from openaims.register.services.base import registry

    cls = registry().get(SECURITY_REVIEW_TYPE)
    if cls is None:
        return _result("security-review", "not-applicable", "this register keeps no AI security reviews yet")
    service = cls(ctx.session, ctx.actor)
    names = cls.field_names()
    system = ctx.system
    if "system_id" in names:
        reviews = service.all(system_id=system.id)
    elif "system_ids" in names:
        reviews = service.all(system_ids=system.id)
    else:
        reviews = []
    done = [r for r in reviews if r.status in SECURITY_REVIEW_DONE]
    if not done:
        return _result(
            "security-review", "missing", f"no completed AI security review of {system.id}",
            tuple(r.id for r in reviews), f"review it with 'aims review start {system.id}', then "
            f"'aims review decide' each threat and 'aims review complete {system.id}'",
        )  # fmt: skip
    staleness = getattr(service, "staleness", None)
    reasons = staleness(done[-1]).reasons if staleness is not None else ()
    if reasons:
        return _result(
            "security-review", "missing", f"{done[-1].id} is stale: " + "; ".join(reasons), (done[-1].id,),
            f"review it again with 'aims review start {system.id}'",
        )  # fmt: skip
    return _result("security-review", "met", f"{done[-1].id} is {done[-1].status}", tuple(r.id for r in done))


@criterion("decommissioning-checklist", "Decommissioning checklist complete")
def decommissioning_checklist(ctx: GateContext) -> CriterionResult:
    system = ctx.system
    done: dict[str, Any] = dict(getattr(system, "decommissioning", None) or {})
    items = ctx.lifecycle.decommissioning_checklist
    open_items = [i for i in items if not str(done.get(i.id) or "").strip()]
    if open_items:
        first = open_items[0].id
        return _result(
            "decommissioning-checklist", "missing",
            "not done: " + "; ".join(f"{i.title} ({i.id})" for i in open_items), (system.id,),
            f"record what was done for each item, e.g. 'aims system update {system.id} --decommissioning "
            f"'{{\"{first}\": \"what was done\"}}' --version N', or on {_page(system.id)}",
        )  # fmt: skip
    return _result("decommissioning-checklist", "met", f"{len(items)} item(s) done", (system.id,))
