"""How long do register commands take to start?

Runs each command as a new process (the installed ``aims`` script of this checkout's
virtual environment) against a small SQLite register in a temporary directory, the runs of
all commands interleaved so that machine noise hits them alike, like hyperfine with
``--warmup 1``. Prints per command the median and minimum wall time and the median and minimum CPU
time (user + system) of the process: on a busy machine the CPU time is close to what an
idle machine's wall time would be.

    .venv/bin/python benchmarks/startup.py                # 10 runs per command
    .venv/bin/python benchmarks/startup.py --runs 30
    .venv/bin/python benchmarks/startup.py --importtime   # also the slowest imports of 'aims risk list'
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS: list[list[str]] = [
    ["--version"],
    ["--help"],
    ["risk", "list"],
    ["system", "list"],
    ["risk", "show", "RISK-1"],
    ["whoami"],
    ["user", "list"],
    ["history", "log"],
    ["risk", "--help"],
    ["scan", "{empty}"],  # an empty directory: the command line's own start-up (no register)
]


def _aims() -> list[str]:
    script = Path(sys.executable).parent / "aims"
    return [str(script)] if script.exists() else [sys.executable, "-m", "openaims.cli.main"]


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def _register(folder: Path, env: dict[str, str]) -> None:
    aims = _aims()
    steps = [
        ["init"],
        ["system", "add", "--name", "Support chatbot", "--owner", "mia", "--purpose", "Answer customers"],
        ["risk", "add", "--title", "Prompt injection", "--owner", "mia"],
        ["risk", "add", "--title", "Model drift", "--owner", "mia"],
    ]
    for step in steps:
        done = subprocess.run([*aims, *step], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"aims {' '.join(step)} failed: {done.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs per command (after one warm-up run)")
    parser.add_argument("--importtime", action="store_true", help="print the slowest imports of 'aims risk list'")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="aims-startup-"))
    try:
        env = {
            **os.environ,
            "AIMS_DATABASE_URL": f"sqlite:///{folder / 'aims.db'}",
            "AIMS_EVIDENCE_DIR": str(folder / "evidence"),
            "AIMS_CONFIG_DIR": str(folder / "config"),
            "AIMS_ACTOR": "mia",
            "COLUMNS": "100",
        }
        # PYTHONDONTWRITEBYTECODE (set in some CI images) makes every run compile again each module
        # whose bytecode is not cached yet: a user's installation writes its cache once.
        for name in ("AIMS_TOKEN", "AIMS_FORMAT", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        _register(folder, env)
        aims = _aims()
        baseline = [sys.executable, "-c", "pass"]
        runs: dict[str, list[tuple[float, float]]] = {"python -c pass": []}
        labels = {"python -c pass": baseline}
        (folder / "empty").mkdir()
        for command in COMMANDS:
            label = "aims " + " ".join(command).replace("{empty}", "EMPTY_DIR")
            labels[label] = [*aims, *(arg.replace("{empty}", str(folder / "empty")) for arg in command)]
            runs[label] = []
        for argv in labels.values():
            _run(argv, env)  # warm-up: file system caches, compiled bytecode
        failed: dict[str, int] = {}
        for _ in range(args.runs):
            for label, argv in labels.items():
                wall, cpu, code = _run(argv, env)
                runs[label].append((wall, cpu))
                if code != 0:
                    failed[label] = code
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{args.runs} runs per command, load average {load:.1f} on {os.cpu_count()} CPUs")
        print(f"{'command':<28} {'wall median':>12} {'wall min':>10} {'CPU median':>11} {'CPU min':>8}")
        for label, values in runs.items():
            walls = [w for w, _ in values]
            cpus = [c for _, c in values]
            note = f"  (exit {failed[label]})" if label in failed else ""
            print(
                f"{label:<28} {statistics.median(walls) * 1000:>10.0f}ms {min(walls) * 1000:>8.0f}ms "
                f"{statistics.median(cpus) * 1000:>9.0f}ms {min(cpus) * 1000:>6.0f}ms{note}"
            )
        if args.importtime:
            done = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", "from openaims.cli.main import main; main(['risk', 'list'])"],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            rows = []
            for line in done.stderr.splitlines():
                parts = line.split("|")
                if len(parts) == 3 and parts[1].strip().isdigit():
                    rows.append((int(parts[1]), parts[2].rstrip()))
            print("\nslowest imports of 'aims risk list' (cumulative, microseconds):")
            for cumulative, name in sorted(rows, reverse=True)[:25]:
                print(f"{cumulative:>10}  {name}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
