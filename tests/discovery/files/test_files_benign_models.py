"""No false positives: models saved by PyTorch, NumPy, scikit-learn and joblib
themselves are reported safe.

The libraries come with the ``model-libs`` extra, which ``make venv`` installs (PyTorch
2.13.0, the CPU build). The files are written at test time into a temporary tree and
scanned through the scan engine, as ``aims scan`` would; nothing is ever loaded back.
"""

from __future__ import annotations

import io
import pickle
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import torch
from sklearn.utils import all_estimators
from torch import nn

from openaims.discovery.detectors.model_files import ModelFileDetector
from openaims.discovery.interface import Finding, FindingKind, ScanOptions
from openaims.discovery.scanner import Scanner


def _scan(root: Path) -> list[Finding]:
    result = Scanner(ScanOptions(root=root), jobs=1, detectors=[ModelFileDetector()]).scan()
    assert result.stats.error_count == 0, result.stats.errors
    return [f for f in result.findings if f.kind is FindingKind.MODEL_FILE]


def _assert_all_safe(findings: list[Finding], expected: int) -> None:
    verdicts = {f.path: (f.unsafe, f.details.get("unsafe_reasons"), f.details.get("unscanned")) for f in findings}
    assert len(findings) == expected, sorted(verdicts)
    flagged = {path: v for path, v in verdicts.items() if v[0] is not False}
    assert flagged == {}


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
        self.head = nn.Sequential(nn.Linear(8, 4), nn.GELU(), nn.Dropout(0.1), nn.LayerNorm(4))
        self.conv = nn.Conv2d(1, 2, 3)
        self.norm = nn.BatchNorm1d(4)
        self.embed = nn.Embedding(10, 8)
        self.rnn = nn.LSTM(8, 8)


def test_models_saved_by_torch_are_safe(tmp_path: Path) -> None:
    model = _Net()
    layers = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(), nn.LayerNorm(4), nn.Conv1d(1, 2, 3))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    dtypes = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int8, torch.int16, torch.int32]
    dtypes += [torch.int64, torch.uint8, torch.bool, torch.complex64]
    saved: dict[str, Any] = {
        "state_dict.pt": model.state_dict(),
        "checkpoint.ckpt": {
            "epoch": 7,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "rng": torch.get_rng_state(),
            "config": {"lr": 1e-3, "layers": [8, 4], "name": "net"},
        },
        "tensors.pth": {str(dtype): torch.zeros(3, dtype=dtype) for dtype in dtypes},
        "parameter.pt": nn.Parameter(torch.ones(2, 2)),
        "sparse.pt": torch.eye(4).to_sparse(),
        "misc.pt": {"size": torch.Size([2, 3]), "device": torch.device("cpu"), "dtype": torch.float16},
        "whole_sequential.pt": layers,
        "pytorch_model.bin": model.state_dict(),
    }
    for name, value in saved.items():
        torch.save(value, tmp_path / name)
    torch.save(model.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    findings = _scan(tmp_path)
    _assert_all_safe(findings, len(saved) + 1)
    formats = {f.path: f.format for f in findings}
    assert formats["state_dict.pt"] == "pytorch"
    assert formats["legacy.pt"] == "pickle"


def test_models_saved_by_numpy_are_safe(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.save(tmp_path / "weights.npy", rng.random((4, 3)).astype(np.float32))
    np.save(tmp_path / "labels.npy", np.array(["cat", "dog", None], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "arrays.npz", a=np.arange(5), b=np.zeros((2, 2)), c=np.array([{"k": 1}], dtype=object))
    np.savez_compressed(tmp_path / "packed.npz", a=np.zeros(10_000), b=np.ones(3, dtype=np.int8))
    values = {
        "arrays": [np.zeros(3, dtype=t) for t in ("f2", "f4", "f8", "i1", "i8", "u1", "?", "c8", "U3", "S3", "O")],
        "scalars": [np.float64(1.5), np.int64(2), np.bool_(True), np.str_("a"), np.datetime64("2024-01-01")],
        "masked": np.ma.masked_array([1, 2], mask=[0, 1]),
        "random": [np.random.RandomState(0), np.random.default_rng(0), np.random.Generator(np.random.PCG64(1))],
        "record": np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]),
    }
    for protocol in (2, 4, 5):
        with open(tmp_path / f"numpy_p{protocol}.pkl", "wb") as handle:
            pickle.dump(values, handle, protocol=protocol)
    findings = _scan(tmp_path)
    _assert_all_safe([f for f in findings if f.unsafe is not None], 5)
    # no pickle in them: nothing to judge
    assert {f.path: f.unsafe for f in findings if f.unsafe is None} == {"weights.npy": None, "packed.npz": None}
    assert all("unscanned" not in f.details for f in findings)


def _fitted_estimators() -> list[tuple[str, Any]]:
    rng = np.random.RandomState(0)
    features = rng.rand(60, 4)
    labels = (features[:, 0] > 0.5).astype(int)
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in all_estimators():
            try:
                estimator = cls()
            except TypeError:  # needs an estimator argument (meta-estimators, below)
                continue
            for target in (labels, features[:, 1], None):
                try:
                    estimator.fit(features, target) if target is not None else estimator.fit(features)
                    break
                except Exception:
                    continue
            fitted.append((name, estimator))
        fitted.extend(_composite(features, labels))
    return fitted


def _composite(features: np.ndarray, labels: np.ndarray) -> list[tuple[str, Any]]:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier, StackingClassifier, VotingClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.feature_selection import SelectKBest, f_classif, mutual_info_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    pipeline = Pipeline(
        [
            ("log", FunctionTransformer(np.log1p)),
            ("union", FeatureUnion([("scale", StandardScaler()), ("best", SelectKBest(f_classif, k=2))])),
            ("clf", LogisticRegression()),
        ]
    ).fit(features, labels)
    columns = ColumnTransformer([("num", StandardScaler(), [0, 1]), ("cat", OneHotEncoder(), [2])]).fit(
        np.c_[features[:, :2], (features[:, 2] > 0.5).astype(int)]
    )
    search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()), {"logisticregression__C": [1, 2]})
    scored = GridSearchCV(LogisticRegression(), {"C": [1, 2]}, scoring=["f1", "roc_auc", "accuracy"], refit="f1")
    stacked = StackingClassifier([("rf", RandomForestClassifier(n_estimators=3)), ("lr", LogisticRegression())])
    voting = VotingClassifier([("rf", RandomForestClassifier(n_estimators=3)), ("lr", LogisticRegression())])
    text = TfidfVectorizer().fit(["a model file", "another model", "safe to load"])
    return [
        ("Pipeline", pipeline),
        ("ColumnTransformer", columns),
        ("GridSearchCV", search.fit(features, labels)),
        ("GridSearchCV(scoring)", scored.fit(features, labels)),
        ("StackingClassifier", stacked.fit(features, labels)),
        ("VotingClassifier", voting.fit(features, labels)),
        ("OneVsRestClassifier", OneVsRestClassifier(LogisticRegression()).fit(features, labels)),
        ("SelectKBest(mutual_info)", SelectKBest(mutual_info_classif, k=2).fit(features, labels)),
        ("TfidfVectorizer", text),
    ]


@pytest.fixture(scope="module")
def estimators() -> list[tuple[str, Any]]:
    return _fitted_estimators()


def test_every_sklearn_estimator_pickled_is_safe(tmp_path: Path, estimators: list[tuple[str, Any]]) -> None:
    assert len(estimators) > 150
    for index, (name, estimator) in enumerate(estimators):
        (tmp_path / f"{index:03d}-{name}.pkl").write_bytes(pickle.dumps(estimator, protocol=5))
    findings = _scan(tmp_path)
    _assert_all_safe(findings, len(estimators))


@pytest.mark.parametrize("compress", [0, 3, ("zlib", 3), ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3)])
def test_sklearn_models_saved_by_joblib_are_safe(
    tmp_path: Path, estimators: list[tuple[str, Any]], compress: Any
) -> None:
    chosen = estimators if compress == 0 else estimators[::10]
    for index, (name, estimator) in enumerate(chosen):
        joblib.dump(estimator, tmp_path / f"{index:03d}-{name}.joblib", compress=compress)
    findings = _scan(tmp_path)
    _assert_all_safe(findings, len(chosen))


def test_joblib_arrays_and_nested_object_arrays_are_safe(tmp_path: Path) -> None:
    payload = {
        "big": np.arange(100_000, dtype=np.float64),
        "objects": np.array([{"a": 1}, "text", None], dtype=object),
        "nested": [np.ones((3, 3)), {"inner": np.zeros(2, dtype=np.int16)}],
    }
    joblib.dump(payload, tmp_path / "bundle.joblib")
    buffer = io.BytesIO()
    joblib.dump(payload, buffer)
    (tmp_path / "bundle.pkl").write_bytes(buffer.getvalue())
    findings = _scan(tmp_path)
    _assert_all_safe(findings, 2)
