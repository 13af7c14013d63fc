"""Time and peak memory of ``aims monitor evaluate`` on a large batch of predictions, on one core.

    .venv/bin/python benchmarks/monitor.py [--rows 1000000] [--groups 5] [--features 20]
                                           [--format parquet|csv] [--database sqlite|postgresql]

It writes a seeded batch and a reference batch (half the features numeric, half categorical,
the groups with different selection rates), a plan with performance, fairness (per group and
between groups) and drift (PSI, KS, chi-squared per feature, prediction drift) metrics, then
runs the console script as a user would, pinned to one core with one thread per library, and
prints its wall time and peak resident memory (``ru_maxrss`` of the child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registers import register_url  # noqa: E402


def batch(rows: int, groups: int, features: int, *, seed: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [f"g{i}" for i in range(groups)]
    group = rng.integers(0, groups, rows)
    rate = 0.35 + 0.05 * group
    approved = (rng.random(rows) < rate).astype(np.int8)
    data: dict[str, object] = {
        "prediction": approved,
        "label": np.where(rng.random(rows) < 0.85, approved, 1 - approved).astype(np.int8),
        "score": np.clip(approved * 0.5 + rng.random(rows) * 0.5, 0, 1),
        "group": np.array(names)[group],
    }
    categories = np.array(["north", "south", "east", "west", "centre", "islands"])
    for i in range(features):
        if i % 2 == 0:
            data[f"f{i}"] = rng.normal(shift * (i % 3), 1.0, rows)
        else:
            data[f"f{i}"] = categories[rng.integers(0, len(categories), rows)]
    return pd.DataFrame(data)


def plan(features: int) -> dict[str, object]:
    return {
        "title": "Benchmark plan",
        "owner": "bench",
        "columns": {"prediction": "prediction", "label": "label", "score": "score", "groups": ["group"],
                    "features": [f"f{i}" for i in range(features)]},
        "metrics": [
            {"name": "accuracy", "kind": "performance", "computed": "accuracy", "breach": 0.5, "direction": "below"},
            {"name": "auc", "kind": "performance", "computed": "auc"},
            {"name": "selection_rate", "kind": "fairness", "computed": "selection_rate"},
            {"name": "fnr", "kind": "fairness", "computed": "false_negative_rate"},
            {"name": "dp_difference", "kind": "fairness", "computed": "demographic_parity_difference", "breach": 0.1},
            {"name": "dp_ratio", "kind": "fairness", "computed": "demographic_parity_ratio"},
            {"name": "eo_difference", "kind": "fairness", "computed": "equalized_odds_difference"},
            {"name": "psi", "kind": "drift", "computed": "psi", "breach": 0.25},
            {"name": "ks", "kind": "drift", "computed": "ks"},
            {"name": "chi2", "kind": "drift", "computed": "chi2_pvalue", "breach": 0.01, "direction": "below"},
            {"name": "prediction_psi", "kind": "drift", "computed": "prediction_psi"},
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    aims = str(Path(sys.executable).with_name("aims"))
    with tempfile.TemporaryDirectory(prefix="aims-bench-monitor-") as folder:
        home = Path(folder)
        started = time.perf_counter()
        paths = {}
        for name, seed, shift in (("current", 1, 0.2), ("reference", 2, 0.0)):
            frame = batch(args.rows, args.groups, args.features, seed=seed, shift=shift)
            path = home / f"{name}.{args.format}"
            if args.format == "parquet":
                frame.to_parquet(path, index=False)
            else:
                frame.to_csv(path, index=False)
            paths[name] = path
            del frame
        print(f"batches written in {time.perf_counter() - started:.1f} s: "
              f"{paths['current'].stat().st_size / 1e6:.0f} MB each ({args.format})")
        (home / "plan.yaml").write_text(yaml.safe_dump(plan(args.features)), encoding="utf-8")
        with register_url(args.database, home, "aims_bench_monitor") as url:
            env = {**os.environ, "AIMS_DATABASE_URL": url, "AIMS_ACTOR": "bench", "AIMS_EVIDENCE_DIR": str(home / "evd"),
                   "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # fmt: skip
            subprocess.run([aims, "init"], env=env, check=True, capture_output=True)
            subprocess.run([aims, "system", "add", "--name", "Benchmark", "--owner", "bench"], env=env, check=True,
                           capture_output=True)  # fmt: skip
            subprocess.run([aims, "monitor", "plan", "SYS-1", str(home / "plan.yaml")], env=env, check=True,
                           capture_output=True)  # fmt: skip
            command = ["taskset", "-c", "0", aims, "monitor", "evaluate", "SYS-1", "--predictions",
                       str(paths["current"]), "--reference", str(paths["reference"]), "--format", "json"]  # fmt: skip
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            peak = after.ru_maxrss
        if done.returncode != 0:
            raise SystemExit(f"aims monitor evaluate failed: {done.stderr.strip()}")
        outcome = json.loads(done.stdout)
        print(f"aims monitor evaluate: {args.rows} rows, {args.groups} groups, {args.features} features, "
              f"{args.format}, {args.database}, one core")  # fmt: skip
        print(f"  wall time   {wall:.1f} s (limit 30 s)")
        print(f"  CPU time    {cpu:.1f} s (user + system: the time on a core of its own)")
        print(f"  peak memory {peak / 1024:.0f} MiB resident (limit 1024 MiB)")
        print(f"  values recorded {len(outcome['results'])}, incidents opened {len(outcome['incidents_opened'])}")


if __name__ == "__main__":
    main()
