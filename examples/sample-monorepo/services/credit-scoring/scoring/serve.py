"""Scoring API: loads the exported scorecard weights (safetensors, no pickle)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel
from safetensors.numpy import load_file

from scoring.features import FEATURES, REASON_CODES

WEIGHTS = load_file(str(Path(__file__).parent.parent / "models" / "scorecard-v2.safetensors"))
app = FastAPI(title="credit-scoring")


class Applicant(BaseModel):
    values: dict[str, float]


@app.post("/v2/score")
def score(applicant: Applicant) -> dict[str, object]:
    x = np.array([applicant.values.get(name, 0.0) for name in FEATURES], dtype=np.float32)
    contributions = WEIGHTS["coef"][0] * x
    logit = float(contributions.sum() + WEIGHTS["intercept"][0])
    probability = 1.0 / (1.0 + np.exp(-logit))
    top = [FEATURES[i] for i in np.argsort(-contributions)[:2]]
    return {"probability_of_default": round(probability, 4), "reasons": [REASON_CODES.get(f, f) for f in top]}
