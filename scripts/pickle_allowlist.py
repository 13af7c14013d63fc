"""Review aid for ``catalog/pickle_allowlist.yaml``: which globals do models saved by
the installed PyTorch, NumPy, SciPy, scikit-learn and joblib reference?

    .venv/bin/python scripts/pickle_allowlist.py            # globals missing from the list
    .venv/bin/python scripts/pickle_allowlist.py --all      # every global seen, with its source

It saves real models in memory (state dicts and whole ``torch.nn`` modules, tensors of
every dtype, NumPy arrays and random generators, every scikit-learn estimator fitted on
a small data set, through ``pickle`` and ``joblib``), reads the globals their pickles
reference with OpenAIMS' own static analysis (nothing is loaded back), and prints those
the allowlist lacks. A missing global is a candidate, not an addition: read what it does
when called with any arguments before adding it (a class whose constructor only stores
its arguments, a pure function: yes; anything that imports, evaluates, opens, runs or
fetches: no). Needs the optional ``model-libs`` extra.
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from openaims.discovery.pickle_scan import allowlist, scan_pickle


def _torch_pickles() -> Iterator[tuple[str, bytes]]:
    import torch
    from torch import nn

    layers = nn.Sequential(
        nn.Linear(3, 4),
        nn.ReLU(),
        nn.GELU(),
        nn.Dropout(),
        nn.LayerNorm(4),
        nn.Conv2d(1, 2, 3),
        nn.BatchNorm1d(4),
        nn.Embedding(5, 3),
        nn.LSTM(3, 3),
        nn.TransformerEncoderLayer(8, 2),
    )
    dtypes = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int8, torch.int16, torch.int32]
    dtypes += [torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128]
    objects: dict[str, Any] = {
        "state_dict": layers.state_dict(),
        "module": layers,
        "tensors": {str(dtype): torch.zeros(2, dtype=dtype) for dtype in dtypes},
        "parameter": nn.Parameter(torch.ones(2)),
        "sparse": torch.eye(3).to_sparse(),
        "optimizer": torch.optim.Adam([nn.Parameter(torch.ones(2))]).state_dict(),
        "misc": {"size": torch.Size([2, 3]), "device": torch.device("cpu"), "dtype": torch.float32},
    }
    for name, value in objects.items():
        buffer = io.BytesIO()
        torch.save(value, buffer)
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".pkl"):
                    yield f"torch.save({name})", archive.read(info)


def _numpy_pickles() -> Iterator[tuple[str, bytes]]:
    import numpy as np

    values: dict[str, Any] = {
        "arrays": [np.zeros(3, dtype=t) for t in ("f2", "f4", "f8", "i1", "i8", "u1", "?", "c8", "U3", "S3", "O")],
        "scalars": [np.float64(1.0), np.int64(1), np.bool_(True), np.str_("a")],
        "masked": np.ma.masked_array([1, 2], mask=[0, 1]),
        "random": [np.random.RandomState(0), np.random.default_rng(0)],
        "record": np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]),
        "datetime": np.array(["2024-01-01"], dtype="datetime64[D]"),
    }
    for name, value in values.items():
        for protocol in (2, 4, 5):
            yield f"numpy {name} (protocol {protocol})", pickle.dumps(value, protocol=protocol)


def _sklearn_pickles() -> Iterator[tuple[str, bytes]]:
    import joblib
    import numpy as np
    from sklearn.utils import all_estimators

    rng = np.random.RandomState(0)
    features = rng.rand(60, 4)
    labels = (features[:, 0] > 0.5).astype(int)
    warnings.filterwarnings("ignore")
    for name, cls in all_estimators():
        try:
            estimator = cls()
        except TypeError:
            continue
        for target in (labels, features[:, 1], None):
            try:
                estimator.fit(features, target) if target is not None else estimator.fit(features)
                break
            except Exception:  # noqa: S112 - try the next kind of target
                continue
        yield f"pickle({name})", pickle.dumps(estimator, protocol=5)
        buffer = io.BytesIO()
        joblib.dump(estimator, buffer)
        yield f"joblib.dump({name})", buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="print every global seen, not only missing ones")
    args = parser.parse_args()
    allowed = {f"{module}.{name}" for module, name in allowlist()}
    seen: dict[str, str] = {}
    sources: list[Callable[[], Iterator[tuple[str, bytes]]]] = [_torch_pickles, _numpy_pickles, _sklearn_pickles]
    for source in sources:
        try:
            for origin, data in source():
                for name in scan_pickle(data).globals:
                    seen.setdefault(name, origin)
        except ImportError as exc:
            print(f"skipped {source.__name__}: {exc}", file=sys.stderr)
    missing = 0
    for name in sorted(seen):
        if args.all or name not in allowed:
            flag = "" if name in allowed else "  MISSING"
            missing += name not in allowed
            print(f"{name}  ({seen[name]}){flag}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
