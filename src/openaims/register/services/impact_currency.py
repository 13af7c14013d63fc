"""Whether a system's impact assessment is current, and marking it stale [6.1.4, 8.4].

An approved impact assessment stops reflecting its system when a re-assessment trigger fires:
a new model or provider found on one of the system's repositories, a changed intended purpose
or risk tier, a new dataset, or an incident on the system. :func:`mark_stale` records the
trigger and the reason in words on the system's approved assessment; :func:`currency` says
whether the system has a current assessment and, if not, why. Approving a new assessment
supersedes the stale one.

Other features call these two functions (lifecycle gates, monitoring, security reviews) rather
than reading the fields themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.models.base import utcnow
from openaims.register.services.impact import ImpactAssessmentService, StaleReason, StaleTrigger


@dataclass(frozen=True)
class ImpactCurrency:
    """The impact assessment in force for a system and whether it is current."""

    system_id: str
    assessment_id: str | None
    current: bool
    #: Why it is not current: the triggers that fired, or that it is overdue for review or missing.
    reasons: tuple[str, ...]

    def describe(self) -> str:
        if self.current:
            return f"{self.system_id}: impact assessment {self.assessment_id} is current"
        if self.assessment_id is None:
            return f"{self.system_id}: no approved impact assessment"
        return f"{self.system_id}: impact assessment {self.assessment_id} is stale: " + "; ".join(self.reasons)


def currency(session: Session, actor: Actor | str, system_id: str, *, today: dt.date | None = None) -> ImpactCurrency:
    """Whether ``system_id`` has an approved impact assessment that no trigger made stale and that
    is not past its review date."""
    service = ImpactAssessmentService(session, actor)
    assessment = service.current(system_id)
    if assessment is None:
        return ImpactCurrency(system_id, None, False, ("no approved impact assessment",))
    reasons = [r.reason for r in assessment.stale_reasons]
    when = today or service.clock().date()
    if assessment.next_review is not None and assessment.next_review < when:
        reasons.append(f"its review was due on {assessment.next_review}")
    return ImpactCurrency(system_id, assessment.id, not reasons, tuple(reasons))


def mark_stale(
    session: Session,
    actor: Actor | str,
    system_id: str,
    trigger: StaleTrigger,
    reason: str,
    *,
    record_id: str | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> list[str]:
    """Mark the system's approved impact assessment stale with ``reason``; the ids marked.

    Nothing happens when the system has no approved assessment, or when the same trigger for
    the same record is already noted on it. History records the change as made by ``actor`` at
    ``clock()`` (pass the calling service's clock).
    """
    service = ImpactAssessmentService(session, actor, clock=clock)
    marked: list[str] = []
    for assessment in service.all(system_id=system_id, status="approved"):
        if any(r.trigger == trigger and r.record_id == record_id and (record_id or r.reason == reason)
               for r in assessment.stale_reasons):  # fmt: skip
            continue
        noted = StaleReason(on=clock().date(), trigger=trigger, reason=reason, record_id=record_id)
        reasons = [r.model_dump(mode="json") for r in assessment.stale_reasons] + [noted.model_dump(mode="json")]
        service.maintain(assessment.id, {"stale_reasons": reasons})
        marked.append(assessment.id)
    return marked


__all__ = ["ImpactCurrency", "StaleReason", "StaleTrigger", "currency", "mark_stale"]
