"""Compute a plan's metrics on a batch: performance from outcomes, fairness per group with
fairlearn, drift against a reference batch with scipy (population stability index,
Kolmogorov-Smirnov for numeric features, chi-squared for categorical ones)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from openaims.monitoring.interface import (
    BETWEEN_GROUP_METRICS,
    NEEDS_LABEL,
    NEEDS_SCORE,
    PER_GROUP_METRICS,
    PUSHED,
    Columns,
    Kind,
    MetricSpec,
    Value,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from openaims.monitoring.batch import Batch

#: Bins of a numeric feature's population stability index (deciles of the reference).
PSI_BINS = 10
#: Share given to an empty bin, so that the index stays finite.
PSI_FLOOR = 1e-4


def required_columns(specs: Iterable[MetricSpec], columns: Columns) -> tuple[str, ...]:
    """The columns a predictions batch must have for ``specs``."""
    needed = [columns.prediction]
    for spec in specs:
        if spec.computed == PUSHED:
            continue
        if spec.computed in NEEDS_LABEL and columns.label:
            needed.append(columns.label)
        if spec.computed in NEEDS_SCORE and columns.score:
            needed.append(columns.score)
        if spec.kind is Kind.FAIRNESS:
            needed += list(spec.on or columns.groups)
        if spec.kind is Kind.DRIFT and spec.computed != "prediction_psi":
            needed += list(spec.on or columns.features)
        if spec.computed == "prediction_psi" and columns.score:
            needed.append(columns.score)
    return tuple(dict.fromkeys(needed))


def reference_columns(specs: Iterable[MetricSpec], columns: Columns) -> tuple[str, ...]:
    """The columns a reference batch must have for the drift metrics of ``specs``."""
    needed: list[str] = []
    for spec in specs:
        if spec.kind is Kind.DRIFT and spec.computed != PUSHED:
            if spec.computed == "prediction_psi":
                needed.append(columns.score or columns.prediction)
            else:
                needed += list(spec.on or columns.features)
    return tuple(dict.fromkeys(needed))


def compute(
    specs: Sequence[MetricSpec], columns: Columns, current: Batch, reference: Batch | None = None
) -> list[Value]:
    """Every value of ``specs`` on ``current`` (drift against ``reference``; without one, no drift)."""
    values: list[Value] = []
    for spec in specs:
        if spec.computed == PUSHED:
            continue
        if spec.kind is Kind.PERFORMANCE:
            values += _performance(spec, columns, current.frame)
        elif spec.kind is Kind.FAIRNESS:
            values += _fairness(spec, columns, current.frame)
        elif spec.kind is Kind.DRIFT and reference is not None:
            values += _drift(spec, columns, reference.frame, current.frame)
    return [v for v in values if math.isfinite(v.value)]


# ----------------------------------------------------------------- performance
def _rates(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    import numpy as np

    tp = float(np.count_nonzero((y_true == 1) & (y_pred == 1)))
    tn = float(np.count_nonzero((y_true == 0) & (y_pred == 0)))
    fp = float(np.count_nonzero((y_true == 0) & (y_pred == 1)))
    fn = float(np.count_nonzero((y_true == 1) & (y_pred == 0)))
    n = tp + tn + fp + fn

    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {
        "accuracy": ratio(tp + tn, n),
        "error_rate": ratio(fp + fn, n),
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * precision * recall, precision + recall)
        if not (math.isnan(precision) or math.isnan(recall))
        else math.nan,
        "false_positive_rate": ratio(fp, fp + tn),
        "false_negative_rate": ratio(fn, fn + tp),
    }


def _performance(spec: MetricSpec, columns: Columns, frame: pd.DataFrame) -> list[Value]:
    import numpy as np

    y_pred = frame[columns.prediction].to_numpy()
    if spec.computed == "selection_rate":
        return [Value(spec.name, spec.kind, float(np.mean(y_pred)), details={"rows": len(y_pred)})]
    if not columns.label or columns.label not in frame:
        return []
    y_true = frame[columns.label].to_numpy()
    if spec.computed == "auc":
        if not columns.score or columns.score not in frame or len(np.unique(y_true)) < 2:
            return []
        from sklearn.metrics import roc_auc_score

        auc = float(roc_auc_score(y_true, frame[columns.score].to_numpy()))
        return [Value(spec.name, spec.kind, auc, details={"rows": len(y_true)})]
    rates = _rates(y_true, y_pred)
    return [Value(spec.name, spec.kind, rates[spec.computed], details={"rows": len(y_true)})]


# -------------------------------------------------------------------- fairness
def _error_rate(y_true: Any, y_pred: Any) -> float:
    import numpy as np

    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


def _group_metric(name: str) -> Any:
    from fairlearn.metrics import false_negative_rate, false_positive_rate, selection_rate

    return {
        "selection_rate": selection_rate,
        "error_rate": _error_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
    }[name]


def _fairness(spec: MetricSpec, columns: Columns, frame: pd.DataFrame) -> list[Value]:
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
        equalized_odds_ratio,
        selection_rate,
    )

    y_pred = frame[columns.prediction].to_numpy()
    has_label = bool(columns.label and columns.label in frame)
    if spec.computed in NEEDS_LABEL and not has_label:
        return []
    y_true = frame[columns.label].to_numpy() if has_label and columns.label else y_pred
    out: list[Value] = []
    for group_column in spec.on or columns.groups:
        groups = frame[group_column]
        counts = {str(k): int(v) for k, v in groups.value_counts(sort=False).items() if v}
        if spec.computed in PER_GROUP_METRICS:
            by_group = MetricFrame(
                metrics=_group_metric(spec.computed), y_true=y_true, y_pred=y_pred, sensitive_features=groups
            ).by_group
            for group, value in by_group.items():
                if str(group) in counts:
                    out.append(Value(spec.name, spec.kind, float(value), feature=group_column, group=str(group),
                                     details={"rows": counts[str(group)]}))  # fmt: skip
            continue
        assert spec.computed in BETWEEN_GROUP_METRICS
        function = {
            "demographic_parity_difference": demographic_parity_difference,
            "demographic_parity_ratio": demographic_parity_ratio,
            "equalized_odds_difference": equalized_odds_difference,
            "equalized_odds_ratio": equalized_odds_ratio,
        }[spec.computed]
        value = float(function(y_true, y_pred, sensitive_features=groups))
        rates = MetricFrame(metrics=selection_rate, y_true=y_true, y_pred=y_pred, sensitive_features=groups).by_group
        details = {
            "selection_rate": {str(g): round(float(r), 6) for g, r in rates.items() if str(g) in counts},
            "rows": counts,
        }
        out.append(Value(spec.name, spec.kind, value, feature=group_column, details=details))
    return out


# ----------------------------------------------------------------------- drift
def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series.dtype))


def psi(
    reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray, *, bins: int = PSI_BINS
) -> float:
    """Population stability index of a numeric variable: bins at the reference's quantiles."""
    import numpy as np

    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if not len(ref) or not len(cur):
        return math.nan
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    return _psi_counts(ref_counts, cur_counts)


def psi_categorical(reference: pd.Series, current: pd.Series) -> float:
    """Population stability index of a categorical variable over the categories of both batches."""
    import numpy as np

    ref_counts, cur_counts = _category_counts(reference, current)
    if not ref_counts.sum() or not cur_counts.sum():
        return math.nan
    return _psi_counts(np.asarray(ref_counts), np.asarray(cur_counts))


def _psi_counts(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    import numpy as np

    ref_share = np.maximum(ref_counts / ref_counts.sum(), PSI_FLOOR)
    cur_share = np.maximum(cur_counts / cur_counts.sum(), PSI_FLOOR)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def _category_counts(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    ref = reference.astype(str).value_counts(dropna=True) if not hasattr(reference, "cat") else reference.value_counts()
    cur = current.astype(str).value_counts(dropna=True) if not hasattr(current, "cat") else current.value_counts()
    ref.index = ref.index.astype(str)
    cur.index = cur.index.astype(str)
    keys = sorted(set(ref.index) | set(cur.index))
    return (
        np.array([int(ref.get(k, 0)) for k in keys], dtype=np.float64),
        np.array([int(cur.get(k, 0)) for k in keys], dtype=np.float64),
    )


def ks(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value (missing values left out)."""
    import numpy as np
    from scipy.stats import ks_2samp

    ref = reference[~np.isnan(reference)]
    cur = current[~np.isnan(current)]
    if not len(ref) or not len(cur):
        return math.nan, math.nan
    result = ks_2samp(ref, cur)
    return float(result.statistic), float(result.pvalue)


def chi2_pvalue(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """Chi-squared test of the category counts of both batches: (statistic, p-value)."""
    import numpy as np
    from scipy.stats import chi2_contingency

    ref_counts, cur_counts = _category_counts(reference, current)
    keep = (ref_counts + cur_counts) > 0
    table = np.vstack([ref_counts[keep], cur_counts[keep]])
    if table.shape[1] < 2 or not ref_counts.sum() or not cur_counts.sum():
        return 0.0, 1.0
    result = chi2_contingency(table)
    return float(result.statistic), float(result.pvalue)


def _drift(spec: MetricSpec, columns: Columns, reference: pd.DataFrame, current: pd.DataFrame) -> list[Value]:
    if spec.computed == "prediction_psi":
        name = columns.score if columns.score and columns.score in current and columns.score in reference else None
        if name is not None:
            value = psi(reference[name].to_numpy(), current[name].to_numpy())
            return [Value(spec.name, spec.kind, value, feature=name)]
        name = columns.prediction
        value = psi_categorical(reference[name].astype(str), current[name].astype(str))
        return [Value(spec.name, spec.kind, value, feature=name)]
    out: list[Value] = []
    for feature in spec.on or columns.features:
        ref, cur = reference[feature], current[feature]
        numeric = _is_numeric(ref) and _is_numeric(cur)
        details: dict[str, Any] = {"type": "numeric" if numeric else "categorical"}
        if spec.computed == "psi":
            value = psi(ref.to_numpy(), cur.to_numpy()) if numeric else psi_categorical(ref, cur)
        elif spec.computed in ("ks", "ks_pvalue"):
            if not numeric:
                continue
            statistic, pvalue = ks(ref.to_numpy(), cur.to_numpy())
            value = statistic if spec.computed == "ks" else pvalue
            details.update(statistic=statistic, pvalue=pvalue)
        elif spec.computed == "chi2_pvalue":
            if numeric:
                continue
            statistic, value = chi2_pvalue(ref, cur)
            details["statistic"] = statistic
        else:
            continue
        out.append(Value(spec.name, spec.kind, value, feature=feature, details=details))
    return out
