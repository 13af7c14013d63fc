"""Drift measures on distributions whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from openaims.monitoring.compute import chi2_pvalue, ks, psi, psi_categorical


def test_psi_of_a_distribution_against_itself_is_zero() -> None:
    values = np.random.default_rng(1).normal(size=10_000)
    assert psi(values, values) == pytest.approx(0.0, abs=1e-12)


def test_psi_of_known_bin_shares() -> None:
    # Reference: four equal quartiles; current: half the values in the first quartile.
    reference = np.repeat([1.0, 2.0, 3.0, 4.0], 250)
    current = np.concatenate([np.repeat(1.0, 500), np.repeat([2.0, 3.0, 4.0], [167, 167, 166])])
    expected = sum((c - r) * math.log(c / r) for r, c in zip([0.25] * 4, [0.5, 0.167, 0.167, 0.166], strict=True))
    assert psi(reference, current, bins=4) == pytest.approx(expected, rel=1e-9)


def test_psi_grows_with_the_shift_and_passes_the_usual_alarm_level() -> None:
    rng = np.random.default_rng(2)
    reference = rng.normal(0, 1, 20_000)
    small = psi(reference, rng.normal(0.1, 1, 20_000))
    large = psi(reference, rng.normal(1.0, 1, 20_000))
    assert small < 0.1 < 0.25 < large


def test_psi_of_categories_uses_both_batches_categories() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    current = pd.Series(["a"] * 50 + ["b"] * 25 + ["c"] * 25)
    floor = 1e-4
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.25 - floor) * math.log(0.25 / floor)
    assert psi_categorical(reference, current) == pytest.approx(expected, rel=1e-9)


def test_ks_agrees_with_scipy_and_ignores_missing_values() -> None:
    rng = np.random.default_rng(3)
    reference, current = rng.normal(0, 1, 5000), rng.normal(0.3, 1, 5000)
    expected = ks_2samp(reference, current)
    with_gaps = np.concatenate([current, [np.nan] * 10])
    statistic, pvalue = ks(reference, with_gaps)
    assert (statistic, pvalue) == pytest.approx((expected.statistic, expected.pvalue))


def test_ks_of_disjoint_samples_is_one_and_of_equal_ones_zero() -> None:
    a = np.arange(100, dtype=float)
    assert ks(a, a + 1000)[0] == 1.0
    assert ks(a, a.copy())[0] == 0.0


def test_chi_squared_tells_a_changed_mix_of_categories_from_the_same_one() -> None:
    rng = np.random.default_rng(4)
    reference = pd.Series(rng.choice(["north", "south"], 5000, p=[0.5, 0.5]))
    same = pd.Series(rng.choice(["north", "south"], 5000, p=[0.5, 0.5]))
    changed = pd.Series(rng.choice(["north", "south"], 5000, p=[0.7, 0.3]))
    assert chi2_pvalue(reference, same)[1] > 0.01
    assert chi2_pvalue(reference, changed)[1] < 1e-6
