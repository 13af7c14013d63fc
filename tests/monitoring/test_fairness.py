"""Fairness metrics computed for a plan agree with fairlearn's own on the same fixed data."""

from __future__ import annotations

from pathlib import Path

import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
)
from tests.monitoring.kit import frame, write

from openaims.monitoring.batch import read_batch
from openaims.monitoring.compute import compute
from openaims.monitoring.interface import Columns, Kind, MetricSpec

COLUMNS = Columns(prediction="approved", label="repaid", groups=("age_band",))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    df = frame(3000, rates={"18-30": 0.35, "31-50": 0.55, "51+": 0.6})
    path = write(df, tmp_path_factory.mktemp("fair") / "batch.csv")
    return df, read_batch(path, COLUMNS, required=COLUMNS.all())


@pytest.mark.parametrize(
    ("computed", "reference"),
    [
        ("demographic_parity_difference", demographic_parity_difference),
        ("demographic_parity_ratio", demographic_parity_ratio),
        ("equalized_odds_difference", equalized_odds_difference),
        ("equalized_odds_ratio", equalized_odds_ratio),
    ],
)
def test_between_group_metrics_equal_fairlearns(batch, computed, reference) -> None:  # type: ignore[no-untyped-def]
    df, read = batch
    [value] = compute([MetricSpec("m", Kind.FAIRNESS, computed)], COLUMNS, read)
    expected = reference(df["repaid"], df["approved"], sensitive_features=df["age_band"])
    assert value.value == pytest.approx(expected, abs=1e-12)
    assert value.feature == "age_band"


@pytest.mark.parametrize(
    ("computed", "reference"),
    [
        ("selection_rate", selection_rate),
        ("false_positive_rate", false_positive_rate),
        ("false_negative_rate", false_negative_rate),
        ("error_rate", lambda t, p: float((t != p).mean())),
    ],
)
def test_per_group_metrics_equal_fairlearns_metric_frame(batch, computed, reference) -> None:  # type: ignore[no-untyped-def]
    df, read = batch
    values = compute([MetricSpec("m", Kind.FAIRNESS, computed)], COLUMNS, read)
    expected = MetricFrame(metrics=reference, y_true=df["repaid"], y_pred=df["approved"],
                           sensitive_features=df["age_band"]).by_group  # fmt: skip
    assert {v.group: v.value for v in values} == pytest.approx(dict(expected.items()), abs=1e-12)


def test_a_disparate_selection_rate_shows_as_a_gap_with_the_rate_of_each_group(batch) -> None:  # type: ignore[no-untyped-def]
    _df, read = batch
    [gap] = compute([MetricSpec("gap", Kind.FAIRNESS, "demographic_parity_difference")], COLUMNS, read)
    rates = gap.details["selection_rate"]
    assert set(rates) == {"18-30", "31-50", "51+"}
    assert gap.value == pytest.approx(max(rates.values()) - min(rates.values()), abs=1e-5)
    assert gap.value > 0.15


def test_equal_rates_give_no_gap(tmp_path: Path) -> None:
    df = frame(40, rates={"a": 0.5, "b": 0.5})
    df["approved"] = [1, 0] * 20
    df["age_band"] = ["a", "a", "b", "b"] * 10
    read = read_batch(write(df, tmp_path / "b.csv"), COLUMNS, required=COLUMNS.all())
    [gap] = compute([MetricSpec("gap", Kind.FAIRNESS, "demographic_parity_difference")], COLUMNS, read)
    assert gap.value == 0.0
