"""The sample organisation's monitoring of its credit scoring model: a plan and five months of
results computed from generated prediction batches (seeded, so every load is the same), in which
an approval-rate gap between age bands grows until it breaches and opens an incident."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.services.evidence import EvidenceDir

#: Applicants per monthly batch.
ROWS = 3000
AGE_BANDS = ("18-24", "25-39", "40-59", "60+")
REGIONS = ("north", "south", "east", "west")
CHANNELS = ("branch", "web", "broker")
#: The score from which an application is approved.
APPROVE_FROM = 0.85

PLAN: dict[str, Any] = {
    "title": "Credit scoring model: performance, fairness and drift",
    "description": "Monthly batch of decided applications with their repayment outcome at 90 days, "
    "compared with the validation sample the model was approved on.",
    "schedule": "monthly",
    "notify": ["sam", "maria"],
    "columns": {
        "prediction": "approved", "label": "repaid_90d", "score": "score", "groups": ["age_band"],
        "features": ["income", "debt_ratio", "loan_amount", "employment_years", "region", "channel"],
    },
    "metrics": [
        {"name": "approval_gap_age", "kind": "fairness", "computed": "demographic_parity_difference",
         "warning": 0.06, "breach": 0.1},
        {"name": "approval_ratio_age", "kind": "fairness", "computed": "demographic_parity_ratio",
         "warning": 0.85, "breach": 0.8, "direction": "below"},
        {"name": "approval_rate", "kind": "fairness", "computed": "selection_rate"},
        {"name": "false_negative_rate", "kind": "fairness", "computed": "false_negative_rate"},
        {"name": "accuracy", "kind": "performance", "computed": "accuracy", "warning": 0.74, "breach": 0.7,
         "direction": "below"},
        {"name": "auc", "kind": "performance", "computed": "auc", "warning": 0.74, "breach": 0.7,
         "direction": "below"},
        {"name": "feature_psi", "kind": "drift", "computed": "psi", "warning": 0.1, "breach": 0.25},
        {"name": "score_psi", "kind": "drift", "computed": "prediction_psi", "warning": 0.1, "breach": 0.25},
        {"name": "p95_latency_ms", "kind": "performance", "warning": 400, "breach": 900, "unit": "ms"},
    ],
}  # fmt: skip

#: (day of the story, extra approval penalty for the youngest band, income shift in EUR, p95 latency).
MONTHS: tuple[tuple[int, float, float, float], ...] = (
    (-150, 0.000, 0, 210),
    (-120, 0.005, 500, 230),
    (-90, 0.010, 1200, 260),
    (-60, 0.025, 2500, 280),
    (-30, 0.030, 3000, 250),
)


def applications(month: int, *, penalty: float, income_shift: float) -> Any:
    """One month of decided applications: applicant features, the model's score and decision, and
    whether the loan was repaid; ``penalty`` lowers the youngest applicants' scores."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(4242 + month)
    age = rng.choice(AGE_BANDS, ROWS, p=[0.14, 0.38, 0.34, 0.14])
    years = np.clip(rng.gamma(2.0, 4.0, ROWS) * np.where(age == "18-24", 0.7, 1.0), 0, 45)
    income = rng.lognormal(np.log(38_000 + income_shift), 0.35, ROWS) * np.where(age == "18-24", 0.95, 1.0)
    debt_ratio = np.clip(rng.beta(2.2, 5.0, ROWS), 0, 1)
    loan = np.round(rng.lognormal(np.log(9_000), 0.6, ROWS), -2)
    # Log-odds of repaying: higher income and longer employment help, debt and loan size hurt.
    odds = (2.3 + 0.00004 * (income - 38_000) - 3.2 * (debt_ratio - 0.3) - 0.00005 * (loan - 9_000)
            + 0.04 * years + rng.normal(0, 0.7, ROWS))  # fmt: skip
    repaid = (rng.random(ROWS) < 1 / (1 + np.exp(-odds))).astype(int)
    score = 1 / (1 + np.exp(-(odds + rng.normal(0, 0.3, ROWS))))
    score = np.clip(score - penalty * (age == "18-24"), 0, 1)
    return pd.DataFrame({
        "application": [f"A{month:+d}-{i:05d}" for i in range(ROWS)],
        "approved": (score >= APPROVE_FROM).astype(int), "repaid_90d": repaid, "score": np.round(score, 4),
        "age_band": age, "income": np.round(income, 0), "debt_ratio": np.round(debt_ratio, 3),
        "loan_amount": loan, "employment_years": np.round(years, 1),
        "region": rng.choice(REGIONS, ROWS), "channel": rng.choice(CHANNELS, ROWS, p=[0.3, 0.5, 0.2]),
    })  # fmt: skip


def load(
    session: Session,
    actor: Actor,
    system_id: str,
    *,
    owner: str,
    clock: Callable[[], dt.datetime],
    day: Callable[[int], None],
    evidence_dir: EvidenceDir,
) -> list[str]:
    """The plan, then each month's batch evaluated against the validation sample; returns the
    incidents the breaches opened."""
    from openaims.register.monitoring import evaluate, push
    from openaims.register.services.monitoring_plans import MonitoringPlanService

    day(-160)
    plan, _created = MonitoringPlanService(session, actor, clock=clock).put_for_system(
        system_id, {**PLAN, "owner": owner}
    )
    opened: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aims-demo-monitoring-") as folder:
        reference = Path(folder) / "validation-sample.parquet"
        applications(0, penalty=0.0, income_shift=0).to_parquet(reference, index=False)
        for when, penalty, shift, latency in MONTHS:
            day(when)
            moment = clock()
            batch = Path(folder) / f"decisions-{moment:%Y-%m}.csv"
            applications(when, penalty=penalty, income_shift=shift).to_csv(batch, index=False)
            outcome = evaluate(session, actor, system_id, batch, reference=reference, at=moment, now=moment,
                               evidence_dir=evidence_dir, clock=clock)  # fmt: skip
            opened += outcome.incidents_opened
            push(session, actor, system_id, "p95_latency_ms", latency, at=moment, now=clock())
    assert plan.id
    return opened
