"""Time and memory of scanning trees built to stall or bloat a scan, on one core.

For each tree of ``tests/discovery/engine/hostile_trees.py`` at full size (a backtracking
``.gitignore`` beside a 40-character file name; a PyTorch-style zip whose 32 members inflate
to 1.1 GiB of zeros behind BINBYTES8; a zip of 16 pickles of 5 million NONE/POP opcodes; a
safetensors file with a 60 MB JSON header of 900,000 tensors), it runs ``aims scan`` as a user
would (``-f json -o FILE --no-progress -j 1``, pinned to one CPU) and prints the wall time, the
CPU time, the peak resident memory of the process (start-up included), whether the real
finding beside the hostile file (``import openai``) was found, and how the hostile file was
reported.

    .venv/bin/python benchmarks/hostile_scan.py
    .venv/bin/python benchmarks/hostile_scan.py --markdown --keep /tmp/hostile-trees
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AIMS = Path(sys.executable).with_name("aims")

from tests.discovery.engine.hostile_trees import FULL_SIZE, REAL_FINDING, HostileTree  # noqa: E402

TARGET_S = 10.0
TARGET_MB = 300.0


def _one_cpu() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _scan(tree: HostileTree, out: Path) -> tuple[int, float, float, float]:
    """``(exit code, wall s, CPU s, peak RSS MB)`` of ``aims scan`` on ``tree``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    argv = [str(AIMS), "scan", str(tree.root), "-f", "json", "-o", str(out), "--no-progress", "-j", "1"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=_one_cpu)  # noqa: PLW1509 - only pins the child to one CPU
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _verdict(report: dict[str, object], tree: HostileTree) -> tuple[bool, str]:
    """Whether the real finding was found, and how the hostile file was reported."""
    findings = report["findings"]
    stats = report["stats"]
    assert isinstance(findings, list)
    assert isinstance(stats, dict)
    real = any(f["kind"] == "import" and f["path"] == REAL_FINDING[0] and f["name"] == "openai" for f in findings)
    reasons = [f"cut short: {c['reason']}" for c in stats.get("cut_short", []) if c["path"] == tree.hostile]
    reasons += [
        f"line {p['line']} not used: {p['reason']}" for p in stats.get("skipped_patterns", []) if p["path"] == tree.hostile
    ]
    for finding in findings:
        if finding["path"] == tree.hostile and finding.get("unsafe") is False:
            reasons.append("SAFE (wrong)")
    return real, "; ".join(reasons) or "not reported"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="build the trees here and keep them (reused when present)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="aims-hostile-scan-"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; each scan pinned to one CPU\n")
    rows = []
    for name, build in FULL_SIZE.items():
        root = base / name
        started = time.perf_counter()
        tree = build(root) if not (root / "app.py").exists() else _existing(name, root)
        built = time.perf_counter() - started
        out = base / f"{name}.json"
        code, wall, cpu, rss = _scan(tree, out)
        real, how = _verdict(json.loads(out.read_text(encoding="utf-8")), tree)
        met = wall < TARGET_S and rss < TARGET_MB and real and how not in {"not reported", "SAFE (wrong)"}
        rows.append((name, tree, code, wall, cpu, rss, real, how, met))
        if not args.markdown:
            print(f"{name}: {tree.hostile} of {tree.size:,} bytes (built in {built:.1f} s)")
            print(f"  aims scan: exit {code} in {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.0f} MB")
            print(f"  import openai beside it found: {real}; hostile file: {how}")
            print(f"  under {TARGET_S:g} s and {TARGET_MB:g} MB with both verdicts: {'yes' if met else 'NO'}")
    if args.markdown:
        print("| tree | hostile file | bytes | exit | wall s | CPU s | peak RSS MB | real finding | hostile file reported "
              "| target met |")
        print("|---|---|---:|---:|---:|---:|---:|---|---|---|")
        for name, tree, code, wall, cpu, rss, real, how, met in rows:
            print(f"| {name} | `{tree.hostile}` | {tree.size:,} | {code} | {wall:.2f} | {cpu:.2f} | {rss:.0f} "
                  f"| {'found' if real else 'MISSING'} | {how} | {'yes' if met else 'no'} |")


def _existing(name: str, root: Path) -> HostileTree:
    hostile = {"gitignore": ".gitignore", "safetensors": "model.safetensors"}.get(name, "model.pt")
    return HostileTree(root, hostile, (root / hostile).stat().st_size)


if __name__ == "__main__":
    main()
