"""Prediction batches for the monitoring tests: seeded, small, with a known disparity or shift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS: dict[str, Any] = {
    "prediction": "approved", "label": "repaid", "score": "score", "groups": ["age_band"],
    "features": ["income", "debt_ratio", "region"],
}  # fmt: skip


def frame(rows: int = 4000, *, rates: dict[str, float] | None = None, shift: float = 0.0, seed: int = 7) -> pd.DataFrame:
    """Predictions with a selection rate per group (``rates``) and the income shifted by ``shift``."""
    rng = np.random.default_rng(seed)
    rates = rates or {"18-30": 0.5, "31-50": 0.5, "51+": 0.5}
    groups = rng.choice(list(rates), rows)
    approved = (rng.random(rows) < np.array([rates[g] for g in groups])).astype(int)
    repaid = np.where(rng.random(rows) < 0.85, approved, 1 - approved)
    return pd.DataFrame(
        {
            "approved": approved,
            "repaid": repaid,
            "score": np.clip(approved * 0.6 + rng.random(rows) * 0.4, 0, 1),
            "age_band": groups,
            "income": rng.normal(42_000 + shift, 9_000, rows),
            "debt_ratio": rng.beta(2, 5, rows),
            "region": rng.choice(["north", "south", "east", "west"], rows),
        }
    )


def write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


def plan(**overrides: Any) -> dict[str, Any]:
    """A plan with a fairness gap, per-group rates, accuracy, drift and a pushed latency."""
    data: dict[str, Any] = {
        "title": "Credit scoring monitoring",
        "owner": "alice",
        "schedule": "monthly",
        "notify": ["risk-office@example.org"],
        "columns": COLUMNS,
        "metrics": [
            {"name": "approval_gap", "kind": "fairness", "computed": "demographic_parity_difference",
             "warning": 0.05, "breach": 0.1},
            {"name": "approval_rate", "kind": "fairness", "computed": "selection_rate"},
            {"name": "accuracy", "kind": "performance", "computed": "accuracy", "warning": 0.8, "breach": 0.7,
             "direction": "below"},
            {"name": "income_psi", "kind": "drift", "computed": "psi", "on": ["income"], "warning": 0.1,
             "breach": 0.25},
            {"name": "latency_ms", "kind": "performance", "warning": 300, "breach": 800, "unit": "ms"},
        ],
    }  # fmt: skip
    data.update(overrides)
    return data
