"""Train the scorecard (logistic regression) and the challenger (XGBoost)."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from scoring.features import FEATURES


def train(frame: pd.DataFrame) -> tuple[LogisticRegression, xgb.XGBClassifier]:
    x_train, x_test, y_train, y_test = train_test_split(
        frame[FEATURES], frame["defaulted"], test_size=0.2, stratify=frame["defaulted"], random_state=7
    )
    with mlflow.start_run(run_name="scorecard"):
        scorecard = LogisticRegression(max_iter=500, class_weight="balanced").fit(x_train, y_train)
        auc = roc_auc_score(y_test, scorecard.predict_proba(x_test)[:, 1])
        mlflow.log_metric("auc", auc)
    challenger = xgb.XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.05, eval_metric="auc")
    challenger.fit(x_train, y_train)
    return scorecard, challenger


def weights(model: LogisticRegression) -> dict[str, np.ndarray]:
    return {"coef": model.coef_.astype(np.float32), "intercept": model.intercept_.astype(np.float32)}
