"""Two policies at once: the organisation's, and a repository's own ``aims-policy.yaml``.

The organisation policy applies to every repository. A repository's policy may add
rules (prohibit more, turn a warning into a block) and exceptions, but it cannot remove
an organisation rule: each policy is evaluated on its own, with its own exceptions, and
for a violation both report the stricter verdict stands. So an exception in the
repository's file never excuses a violation of an organisation rule (that takes an
approved exception record, passed in with the organisation policy), ``secrets: off``
in the repository does not switch off the organisation's ``secrets: block``, and a
repository's baseline file accepts only violations of the repository's own rules.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from openaims.discovery.interface import CutShort, Finding, Unparsed
from openaims.policy.engine import Evaluation, LintFindingLike, Status, Violation, evaluate
from openaims.policy.schema import Policy, PolicyException

#: How bad each status is: for a violation both policies report, the worse one stands.
_RANK: dict[Status, int] = {
    Status.FAILING: 5,
    Status.EXPIRED_EXCEPTION: 5,
    Status.WARNING: 3,
    Status.EXISTING: 2,
    Status.BASELINED: 1,
    Status.EXCEPTED: 0,
}


class Origin(enum.StrEnum):
    """Whose rule a violation breaks."""

    ORGANISATION = "organisation"
    REPOSITORY = "repository"


def violation_key(violation: Violation) -> tuple[str, str, int | None]:
    return (violation.rule.id, violation.fingerprint, violation.line)


@dataclass(frozen=True, slots=True)
class LayeredEvaluation:
    """The merged verdicts, and whose rule each violation breaks."""

    evaluation: Evaluation
    origins: dict[tuple[str, str, int | None], Origin]

    def origin(self, violation: Violation) -> Origin:
        return self.origins.get(violation_key(violation), Origin.REPOSITORY)

    @property
    def failed(self) -> bool:
        return self.evaluation.failed


def with_exceptions(policy: Policy, extra: Sequence[PolicyException]) -> Policy:
    """``policy`` with ``extra`` exceptions (approved exception records) after its own."""
    if not extra:
        return policy
    return policy.model_copy(update={"exceptions": (*policy.exceptions, *extra)})


def evaluate_layered(
    findings: Iterable[Finding],
    *,
    organisation: Policy | None,
    repository: Policy | None,
    today: date,
    lint_findings: Iterable[LintFindingLike] = (),
    existing: Collection[str] | None = None,
    baseline: Collection[str] = frozenset(),
    unparsed: Iterable[Unparsed] = (),
    allow_unparsed: bool = False,
    cut_short: Iterable[CutShort] = (),
    stopped: str | None = None,
) -> LayeredEvaluation:
    """Evaluate ``findings`` against the organisation policy and the repository's policy.

    With no organisation policy this is the repository's evaluation (the built-in default
    when it has none either); with no repository policy, the organisation's alone.
    """
    items = list(findings)
    lint = list(lint_findings)
    stuck = list(unparsed)
    cut = list(cut_short)
    layers: list[tuple[Origin, Evaluation]] = []
    if organisation is not None:
        layers.append(
            (
                Origin.ORGANISATION,
                evaluate(
                    items,
                    organisation,
                    today=today,
                    lint_findings=lint,
                    existing=existing,
                    unparsed=stuck,
                    allow_unparsed=allow_unparsed,
                    cut_short=cut,
                    stopped=stopped,
                ),
            )
        )
    if repository is not None or organisation is None:
        layers.append(
            (
                Origin.REPOSITORY,
                evaluate(
                    items,
                    repository or Policy(),
                    today=today,
                    lint_findings=lint,
                    existing=existing,
                    baseline=baseline,
                    unparsed=stuck,
                    allow_unparsed=allow_unparsed,
                    cut_short=cut,
                    stopped=stopped,
                ),
            )
        )
    chosen: dict[tuple[str, str, int | None], tuple[Origin, Violation]] = {}
    for origin, evaluation in layers:
        for violation in evaluation.violations:
            key = violation_key(violation)
            held = chosen.get(key)
            if held is None or _RANK[violation.status] > _RANK[held[1].status]:
                chosen[key] = (origin, violation)
    merged = Evaluation(
        violations=tuple(sorted((v for _, v in chosen.values()), key=Violation.sort_key)),
        exceptions=tuple(use for _, evaluation in layers for use in evaluation.exceptions),
    )
    return LayeredEvaluation(merged, {key: origin for key, (origin, _) in chosen.items()})
