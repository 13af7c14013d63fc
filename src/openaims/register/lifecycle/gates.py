"""Judge a life-cycle move: every criterion of every gate it passes, met or missing, with records.

:func:`judge` answers for one system and a target stage; :class:`GateRefusedError` is the
refusal a stage change gets when a criterion is missing (exit 1), listing each one with the
command or page that satisfies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.errors import RuleViolationError
from openaims.register.lifecycle.criteria import CriterionResult, GateContext, evaluate
from openaims.register.lifecycle.model import Lifecycle, load_lifecycle


@dataclass(frozen=True, slots=True)
class GateResult:
    """A move of ``system_id`` from ``from_stage`` to ``to_stage`` and what its gates say."""

    system_id: str
    from_stage: str
    to_stage: str
    gates: tuple[str, ...]
    criteria: tuple[CriterionResult, ...]
    source: str

    @property
    def passed(self) -> bool:
        return all(c.met for c in self.criteria)

    @property
    def missing(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.met)

    def refusal(self) -> str:
        """One line naming each missing criterion and what satisfies it."""
        parts = [f"{c.id}: {c.detail}; {c.remedy}" for c in self.missing]
        return (
            f"{self.system_id} cannot move from {self.from_stage} to {self.to_stage}: "
            f"{len(parts)} gate criterion(s) missing: " + " | ".join(f"({n}) {p}" for n, p in enumerate(parts, 1))
            + f". See 'aims system gate {self.system_id} --to {self.to_stage}'; an AIMS manager may override in an "
            f"emergency with 'aims system move {self.system_id} --to {self.to_stage} --override REASON --version N'"
        )

    def creation_refusal(self) -> str:
        """One line for a system created directly at a gated stage."""
        new, sid = "the new system", self.system_id
        parts = [f"{c.id}: {c.detail.replace(sid, new)}; {c.remedy.replace(sid, 'SYS-ID')}" for c in self.missing]
        return (
            f"A new AI system cannot be created at {self.to_stage}: {len(parts)} gate criterion(s) missing: "
            + " | ".join(f"({n}) {p}" for n, p in enumerate(parts, 1))
            + f". Create it at {self.from_stage} (or the stage whose gate it passes), record what the gates ask "
            f"for, then move it with 'aims system move SYS-ID --to {self.to_stage} --version N'"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "system_id": self.system_id,
            "from_stage": self.from_stage,
            "to_stage": self.to_stage,
            "gates": list(self.gates),
            "passed": self.passed,
            "source": self.source,
            "criteria": [
                {"id": c.id, "title": c.title, "state": c.state, "detail": c.detail, "records": list(c.records),
                 "remedy": c.remedy}
                for c in self.criteria
            ],
        }  # fmt: skip


class GateRefusedError(RuleViolationError):
    """A stage change whose gate does not pass (exit 1); ``result`` holds every criterion."""

    def __init__(self, result: GateResult, message: str | None = None) -> None:
        self.result = result
        super().__init__(message or result.refusal())


def judge(
    session: Session,
    actor: Actor,
    system: object,
    to_stage: str,
    *,
    today: dt.date,
    lifecycle: Lifecycle | None = None,
    from_stage: str | None = None,
) -> GateResult:
    """Every criterion of the gates between the system's stage (or ``from_stage``) and ``to_stage``."""
    life = lifecycle or load_lifecycle()
    current = from_stage or str(getattr(system, "lifecycle_stage"))  # noqa: B009
    life.stage(to_stage)
    gates = tuple(g for g in life.gates_between(current, to_stage) if g.criteria)
    ctx = GateContext(session, actor, system, current, to_stage, life, today)
    names = list(dict.fromkeys(c for g in gates for c in g.criteria))
    results = tuple(evaluate(name, ctx) for name in names)
    return GateResult(
        system_id=str(getattr(system, "id")),  # noqa: B009
        from_stage=current,
        to_stage=to_stage,
        gates=tuple(g.id for g in gates),
        criteria=results,
        source=life.source,
    )
