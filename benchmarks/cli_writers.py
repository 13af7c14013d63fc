"""Two command-line writers editing one record at once: how long it takes, and that nothing is lost.

Two loops run side by side, as two scripts or two people at their terminals would, each
making ``--changes`` edits of the same risk with the ``aims`` command: read the version
(``aims risk show RISK-1 --format json``), update with it (``aims risk update RISK-1
--version V --description ...``), and when the other writer got there first (exit 1, "is at
version ...") read again and retry. Every command is a new process, start-up included.

It prints the total wall time, the commands run, the conflicts, the median wall and CPU
time per command, and checks that the risk's version is 1 + every accepted edit, that no two
accepted edits made the same version and that ``aims history verify`` passes.

    .venv/bin/python benchmarks/cli_writers.py                       # 150 edits each, SQLite
    .venv/bin/python benchmarks/cli_writers.py --changes 30 --database postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registers import register_url  # noqa: E402

AIMS = Path(sys.executable).with_name("aims")


@dataclass
class Writer:
    actor: str
    made: list[int] = field(default_factory=list)
    conflicts: int = 0
    #: (wall s, CPU s) of every command it ran.
    commands: list[tuple[float, float]] = field(default_factory=list)


def _run(env: dict[str, str], cwd: Path, writer: Writer | None, *args: str) -> subprocess.CompletedProcess[str]:
    """One ``aims`` command, its wall and CPU time (user + system of that process) kept."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([str(AIMS), *args], cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out.read().decode(), err.read().decode())
    if writer is not None:
        writer.commands.append((wall, usage.ru_utime + usage.ru_stime))
    return done


def write(writer: Writer, env: dict[str, str], cwd: Path, changes: int, start: threading.Barrier) -> None:
    start.wait()
    for i in range(changes):
        while True:
            shown = _run(env, cwd, writer, "risk", "show", "RISK-1", "--format", "json")
            if shown.returncode != 0:
                raise SystemExit(f"{writer.actor}: aims risk show: {shown.stderr.strip()}")
            version = json.loads(shown.stdout)["version"]
            done = _run(env, cwd, writer, "risk", "update", "RISK-1", "--version", str(version),
                        "--description", f"{writer.actor} {i}")  # fmt: skip
            if done.returncode == 0:
                writer.made.append(version + 1)
                break
            if done.returncode != 1 or "is at version" not in done.stderr:
                raise SystemExit(f"{writer.actor}: aims risk update: exit {done.returncode}: {done.stderr.strip()}")
            writer.conflicts += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=150, help="edits each writer makes")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aims-cli-writers-") as tmp:
        home = Path(tmp)
        with register_url(args.database, home, "aims_cli_writers") as url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
            env.update(AIMS_DATABASE_URL=url, AIMS_EVIDENCE_DIR=str(home / "evidence"), AIMS_ACTOR="setup")
            for command in (["init"], ["risk", "add", "--title", "Shared"]):
                done = _run(env, home, None, *command)
                if done.returncode != 0:
                    raise SystemExit(f"aims {' '.join(command)}: {done.stderr.strip()}")
            writers = [Writer("alice"), Writer("bob")]
            start = threading.Barrier(len(writers))
            threads = [
                threading.Thread(target=write, args=(w, {**env, "AIMS_ACTOR": w.actor}, home, args.changes, start))
                for w in writers
            ]
            print(f"cpus: {os.cpu_count()}, {args.database}, 2 writers x {args.changes} edits, "
                  f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            total = time.perf_counter() - started
            shown = json.loads(_run(env, home, None, "risk", "show", "RISK-1", "--format", "json").stdout)
            verify = _run(env, home, None, "history", "verify")
        commands = [c for w in writers for c in w.commands]
        versions = sorted(v for w in writers for v in w.made)
        problems = []
        if versions != list(range(2, 2 + len(versions))):
            problems.append("two accepted edits made the same version, or a version is missing")
        if shown["version"] != 1 + len(versions):
            problems.append(f"RISK-1 is at version {shown['version']} after {len(versions)} accepted edits")
        if verify.returncode != 0:
            problems.append(f"aims history verify: {verify.stderr.strip()}")
        print(f"total {total:.1f} s ({total / 60:.1f} min) for {len(versions)} accepted edits; "
              f"{len(commands)} commands, {sum(w.conflicts for w in writers)} conflicts retried; "
              f"per command median wall {statistics.median(c[0] for c in commands) * 1000:.0f} ms, "
              f"median CPU {statistics.median(c[1] for c in commands) * 1000:.0f} ms; "
              f"load average after {os.getloadavg()[0]:.1f}")  # fmt: skip
        print("lost updates and history problems: " + ("none" if not problems else "; ".join(problems)))
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
