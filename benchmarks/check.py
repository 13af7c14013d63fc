"""How fast `aims check --diff-base` judges a pull request on a large real repository.

A clone of the repository gets the sample policy, then one commit that touches 50 files
(some of them adding AI: a prohibited package, an import, an MCP server). The script times,
in the same run:

* `aims check --diff-base HEAD~1` as a user runs it (a new process: interpreter start,
  imports, git, scan of the 50 files at both revisions, evaluation, SARIF),
* the same check in-process (without interpreter start and imports),
* `aims --version` (the fixed cost of starting the command line),
* `aims check` over the whole tree (what diff mode saves).

Target: under 2 s for the diff-mode check. Usage:

    python benchmarks/check.py [--repo PATH] [--files 50] [--runs 5]

``--repo`` is a local git repository (default: a fetched mirror of microsoft/semantic-kernel
or microsoft/autogen when present, else a generated tree of 5,000 files).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIRRORS = (
    Path("/work/.mirror/microsoft+semantic-kernel/repo"),
    Path("/work/.mirror/microsoft+autogen/repo"),
)
DEFAULT_REPO = next((m for m in MIRRORS if m.exists()), None)
POLICY = Path(__file__).resolve().parents[1] / "examples" / "policies" / "sample.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
TEXT_SUFFIXES = {".py", ".md", ".ts", ".tsx", ".js", ".json", ".yaml", ".yml", ".toml", ".cs", ".txt", ".cfg"}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def generated_repo(dest: Path, files: int = 5000) -> None:
    """A synthetic repository: packages of Python modules, manifests and docs."""
    rng = random.Random(7)
    dest.mkdir(parents=True)
    git(dest, "init", "-q", "-b", "main")
    for i in range(files):
        pkg = dest / f"pkg{i % 50:02d}" / f"sub{i % 7}"
        pkg.mkdir(parents=True, exist_ok=True)
        body = "\n".join(f"def f{j}(x):\n    return x * {rng.randint(1, 99)}\n" for j in range(40))
        imports = "import openai\n" if i % 97 == 0 else "import json\n"
        (pkg / f"mod{i}.py").write_text(imports + body)
    for p in range(50):
        (dest / f"pkg{p:02d}" / "requirements.txt").write_text("requests==2.32.3\nopenai==1.40.0\n")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "generated")


def export_tree(source: Path, dest: Path) -> None:
    """The tip of ``source`` as a fresh one-commit repository (blobs missing from a partial
    mirror, such as its largest files, are left out)."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", "HEAD"], cwd=source, check=True, capture_output=True).stdout
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_name = record.partition(b"\t")
        mode, kind, blob = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            entries.append((raw_name.decode(), blob.decode()))
    data = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=source,
        input="".join(f"{b}\n" for _, b in entries).encode(),
        check=True,
        capture_output=True,
    ).stdout
    dest.mkdir(parents=True)
    offset = 0
    for name, _ in entries:
        end = data.index(b"\n", offset)
        header = data[offset:end].split()
        if header[-1] == b"missing":
            offset = end + 1
            continue
        size = int(header[2])
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[end + 1 : end + 1 + size])
        offset = end + 1 + size + 1
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot")


def prepare(source: Path | None, work: Path, touched: int) -> Path:
    repo = work / "repo"
    if source is not None:
        export_tree(source, repo)
    else:
        generated_repo(repo)
    shutil.copy(POLICY, repo / "aims-policy.yaml")
    git(repo, "add", "aims-policy.yaml")
    git(repo, "commit", "-q", "-m", "policy")

    tracked = [p for p in git(repo, "ls-files").splitlines() if Path(p).suffix in TEXT_SUFFIXES]
    rng = random.Random(42)
    chosen = rng.sample(tracked, min(touched - 3, len(tracked)))
    for rel in chosen:
        path = repo / rel
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n" if rel.endswith(".json") else "\n# touched by the benchmark\n")
    # Three files that bring AI in.
    (repo / "bench_requirements.txt").write_text("ollama==0.3.3\nanthropic==0.34.0\n")
    (repo / "bench_agent.py").write_text("import anthropic\n\nclient = anthropic.Anthropic()\n")
    (repo / ".mcp.json").write_text(
        '{"mcpServers": {"tunnel": {"command": "npx", "args": ["-y", "mcp-shell@1.0.0"]}}}\n'
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a change touching many files")
    changed = git(repo, "diff", "--name-only", "HEAD~1").split()
    print(
        f"repository: {source or 'generated'}; files tracked: {len(git(repo, 'ls-files').splitlines())}; "
        f"changed by the commit: {len(changed)}"
    )
    return repo


#: A command line with only ``check`` registered: what the check itself costs in a new
#: process, apart from importing every other command module of ``aims``.
CHECK_ONLY = """
import sys, typer
from openaims.cli import check
app = typer.Typer()
@app.callback()
def _root() -> None: pass
check.register(app)
app(prog_name="aims")
"""


def timed(cmd: list[str], cwd: Path, runs: int) -> tuple[float, int]:
    samples: list[float] = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        samples.append(time.perf_counter() - start)
        code = done.returncode
        if code not in (0, 1):
            print(done.stderr, file=sys.stderr)
            raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return statistics.median(samples), code


def in_process(repo: Path, runs: int) -> tuple[float, int, int]:
    from openaims.policy.service import CheckRequest, run_check

    samples: list[float] = []
    report = None
    for _ in range(runs):
        start = time.perf_counter()
        report = run_check(CheckRequest(root=repo, diff_base="HEAD~1"))
        samples.append(time.perf_counter() - start)
    assert report is not None
    return statistics.median(samples), len(report.evaluation.violations), report.exit_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-full", action="store_true", help="skip the whole-tree comparison")
    args = parser.parse_args()

    aims = [sys.executable, "-m", "openaims"]
    with tempfile.TemporaryDirectory(prefix="aims-bench-") as tmp:
        repo = prepare(args.repo, Path(tmp), args.files)
        sarif = Path(tmp) / "out.sarif"
        startup, _ = timed([*aims, "--version"], repo, args.runs)
        diff_cli, code = timed(
            [*aims, "check", "--diff-base", "HEAD~1", "-f", "sarif", "-o", str(sarif)], repo, args.runs
        )
        check_only, only_code = timed(
            [sys.executable, "-c", CHECK_ONLY, "check", "--diff-base", "HEAD~1", "-f", "sarif", "-o", str(sarif)],
            repo,
            args.runs,
        )
        diff_lib, violations, lib_code = in_process(repo, args.runs)
        rows = [
            ("aims --version (start-up only)", startup, ""),
            ("aims check --diff-base HEAD~1 (CLI, SARIF)", diff_cli, f"exit {code}"),
            ("same, new process with only `check` loaded", check_only, f"exit {only_code}"),
            ("run_check(diff_base=HEAD~1) in-process", diff_lib, f"{violations} violations, exit {lib_code}"),
        ]
        if not args.no_full:
            full_cli, full_code = timed([*aims, "check", "-f", "json", "-o", os.devnull], repo, max(1, args.runs // 2))
            rows.append(("aims check, whole tree (CLI)", full_cli, f"exit {full_code}"))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\nmedian of {args.runs} runs, {os.cpu_count()} CPUs, warm cache, load average {load}")
        print(f"{'what':<46} {'seconds':>8}  notes")
        for name, seconds, notes in rows:
            print(f"{name:<46} {seconds:>8.3f}  {notes}")
        for label, seconds in (("aims check --diff-base", diff_cli), ("check-only process", check_only)):
            verdict = "meets" if seconds < 2.0 else "MISSES"
            print(f"\n{label}: {seconds:.2f} s, {verdict} the 2 s target", end="")
        print()
        if not args.no_full:
            print(f"whole-tree check / diff-mode check: {rows[-1][1] / diff_cli:.1f}x")


if __name__ == "__main__":
    main()
