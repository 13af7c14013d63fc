"""Time and memory of refusing hostile files: ``aims import`` of alias bombs and deep nesting.

For each hostile record file it runs ``aims import`` into a fresh SQLite register, as a
user would, and prints the exit code, the one-line message, the wall time and the
peak resident memory of the process (start-up included), and its CPU time (user + system),
which on a busy machine is closer to what an idle one's wall time would be. Beside it, in this process:
the time and peak allocation of the reader alone (``openaims.untrusted.read_yaml``),
and what the previous way of reading did with the same file, PyYAML's ``safe_load``
followed by ``json.dumps`` (which is how the alias bomb reached the database),
run in a child process capped at ``--cap-mb`` of address space so the machine survives.

    .venv/bin/python benchmarks/hostile_input.py
    .venv/bin/python benchmarks/hostile_input.py --markdown
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AIMS = Path(sys.executable).with_name("aims")

from tests.untrusted.hostile import billion_laughs_yaml  # noqa: E402

from openaims.register.exchange.yaml_import import RECORD_LIMITS  # noqa: E402
from openaims.untrusted import InputError, read_yaml  # noqa: E402

HEADER = "format: openaims-register/v1\nrecords:\n  system: 1\nevidence_files: 0\n"
RECORD = (
    "id: SYS-1\nstatus: proposed\nversion: 1\nname: Chat assistant\nlifecycle_stage: inception\n"
    "risk_tier: unclassified\neu_ai_act:\n{field}\nlinks: []\ncreated_at: '2026-05-04T09:30:00Z'\n"
    "created_by: maria\nupdated_at: '2026-05-04T09:30:00Z'\nupdated_by: maria\n"
)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _cases() -> dict[str, str]:
    merge = ["m0: &m0 {a: 1, b: 2}"] + [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 40)]
    big = "\n".join(f"k{i}: {'x' * 60}" for i in range(50_000))
    return {
        "clean record (baseline)": RECORD.format(field="  answers: {}"),
        "billion laughs in a dict field (10^9 strings)": RECORD.format(field=_indent(billion_laughs_yaml())),
        "merge-key chain (2^40 pairs before de-duplication)": RECORD.format(field=_indent("\n".join(merge))),
        "deep flow mapping (5,000 levels)": RECORD.format(field="  x: " + "{a: " * 5000 + "1" + "}" * 5000),
        "deep block mapping (900 levels)": RECORD.format(
            field="".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(900)) + "  " * 901 + "leaf"
        ),
        "3.3 MB of plain keys (within bounds)": RECORD.format(field=_indent(big)),
    }


def _run_import(record: str, work: Path) -> tuple[int, str, float, float, float]:
    export = work / "export"
    (export / "system").mkdir(parents=True)
    (export / "openaims-register.yaml").write_text(HEADER, encoding="utf-8")
    (export / "system" / "SYS-1.yaml").write_text(record, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATABASE_URL=f"sqlite:///{work / 'aims.db'}", AIMS_ACTOR="bench")
    subprocess.run([str(AIMS), "init"], env=env, cwd=work, check=True, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(AIMS), "import", str(export)], env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert proc.stdout is not None
    assert proc.stderr is not None
    out = (proc.stdout.read() + proc.stderr.read()).strip().splitlines()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, (out[-1] if out else ""), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _read(record: str) -> str:
    try:
        read_yaml(record, "SYS-1.yaml", limits=RECORD_LIMITS)
    except InputError as exc:
        return f"refused ({exc.problem.value})"
    return "read"


def _reader_alone(record: str) -> tuple[str, float, float]:
    """Outcome, best-of-3 seconds and peak allocation (a separate, traced run) of the reader."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        outcome = _read(record)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    _read(record)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, min(times), peak / 1024 / 1024


def _startup() -> float:
    """Best-of-3 wall time of ``aims --version``: the interpreter and CLI start-up in every figure."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([str(AIMS), "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


_OLD_WAY = """
import json, resource, sys, time, yaml
cap = int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
text = sys.stdin.read()
start = time.perf_counter()
try:
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    json.dumps(data)
    print(f"stored ({time.perf_counter() - start:.2f} s)")
except MemoryError:
    print(f"MemoryError at the {sys.argv[1]} MB cap after {time.perf_counter() - start:.2f} s")
except RecursionError:
    print(f"RecursionError after {time.perf_counter() - start:.2f} s")
except yaml.YAMLError as exc:
    print(f"refused: {str(exc).splitlines()[0]}")
"""


def _old_way(record: str, cap_mb: int, timeout: float) -> str:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _OLD_WAY, str(cap_mb)], check=False, input=record, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"still running after {timeout:.0f} s (stopped)"
    if proc.returncode < 0:
        return f"killed by signal {-proc.returncode}"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[-1] if lines else f"exit {proc.returncode}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cap-mb", type=int, default=1024, help="address-space cap of the old-way child (MB)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before the old-way child is stopped")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    rows = []
    startup = _startup()
    print(f"aims --version (start-up alone): {startup:.2f} s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs\n")
    for name, record in _cases().items():
        with tempfile.TemporaryDirectory(prefix="aims-hostile-") as tmp:
            code, message, wall, cpu, rss = _run_import(record, Path(tmp))
        outcome, reader_s, reader_mb = _reader_alone(record)
        old = _old_way(record, args.cap_mb, args.timeout)
        rows.append((name, len(record.encode()), code, message, wall, cpu, rss, outcome, reader_s, reader_mb, old))
        if not args.markdown:
            print(f"{name}: {len(record.encode()):,} bytes")
            print(f"  aims import: exit {code} in {wall:.2f} s ({cpu:.2f} s CPU), peak RSS {rss:.0f} MB: {message[:110]}")
            print(f"  reader alone: {outcome} in {reader_s * 1000:.1f} ms, peak allocation {reader_mb:.1f} MB")
            print(f"  safe_load + json.dumps (capped at {args.cap_mb} MB): {old}")
    if args.markdown:
        print("| file | bytes | `aims import` exit | wall (s) | CPU (s) | peak RSS (MB) | reader alone | reader ms "
              "| reader MB | safe_load + json.dumps |")
        print("|---|---:|---:|---:|---:|---:|---|---:|---:|---|")
        for name, size, code, _msg, wall, cpu, rss, outcome, reader_s, reader_mb, old in rows:
            print(f"| {name} | {size:,} | {code} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {outcome} | {reader_s * 1000:.1f} "
                  f"| {reader_mb:.1f} | {old} |")
        print()
        print("Messages:")
        for name, *_rest in rows:
            print(f"- {name}: `{_rest[2]}`")


if __name__ == "__main__":
    main()
