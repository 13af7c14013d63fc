"""What a monitoring computation takes and gives: the declared columns, the metrics it knows,
one computed value, and the error for a batch that cannot be read as declared."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from openaims.errors import UsageError


class BatchError(UsageError):
    """A predictions file that does not match its plan: one line naming the file, column and row."""


class Kind(enum.StrEnum):
    PERFORMANCE = "performance"
    FAIRNESS = "fairness"
    DRIFT = "drift"


class Direction(enum.StrEnum):
    """Which side of a threshold is bad: ``above`` (a gap, a drift index) or ``below`` (accuracy, a ratio)."""

    ABOVE = "above"
    BELOW = "below"


class Level(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACH = "breach"


#: Values given by someone else (``aims monitor push``, the API, MLflow), never computed here.
PUSHED = "pushed"

#: How each kind of metric may be computed from a batch.
PERFORMANCE_METRICS = (
    "accuracy", "precision", "recall", "f1", "auc", "error_rate",
    "false_positive_rate", "false_negative_rate", "selection_rate",
)  # fmt: skip
#: Fairness metrics with one value per group.
PER_GROUP_METRICS = ("selection_rate", "error_rate", "false_positive_rate", "false_negative_rate")
#: Fairness metrics with one value per group column (a gap or ratio between its groups).
BETWEEN_GROUP_METRICS = (
    "demographic_parity_difference", "demographic_parity_ratio",
    "equalized_odds_difference", "equalized_odds_ratio",
)  # fmt: skip
FAIRNESS_METRICS = PER_GROUP_METRICS + BETWEEN_GROUP_METRICS
#: Drift of each feature between the reference and the current batch, and of the predictions.
DRIFT_METRICS = ("psi", "ks", "ks_pvalue", "chi2_pvalue", "prediction_psi")
#: Computations that need the true label.
NEEDS_LABEL = frozenset(
    {"accuracy", "precision", "recall", "f1", "auc", "error_rate", "false_positive_rate", "false_negative_rate",
     "equalized_odds_difference", "equalized_odds_ratio"}
)  # fmt: skip
NEEDS_SCORE = frozenset({"auc"})

COMPUTATIONS: dict[Kind, tuple[str, ...]] = {
    Kind.PERFORMANCE: (*PERFORMANCE_METRICS, PUSHED),
    Kind.FAIRNESS: (*FAIRNESS_METRICS, PUSHED),
    Kind.DRIFT: (*DRIFT_METRICS, PUSHED),
}


@dataclass(frozen=True)
class Columns:
    """The columns a plan declares in its predictions batches."""

    prediction: str
    label: str | None = None
    score: str | None = None
    groups: tuple[str, ...] = ()
    features: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        named = [self.prediction, self.label, self.score, *self.groups, *self.features]
        return tuple(dict.fromkeys(n for n in named if n))


@dataclass(frozen=True)
class MetricSpec:
    """One metric of a plan: its name, how it is computed, and on which columns."""

    name: str
    kind: Kind
    computed: str
    #: The group columns (fairness) or features (drift) it covers; empty: every declared one.
    on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Value:
    """One computed value of a metric: for a group column or feature, and a group, where it has them."""

    metric: str
    kind: Kind
    value: float
    feature: str | None = None
    group: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
