"""Throughput and peak memory of ``aims scan`` beside ripgrep and Python AI-BOM scanners.

Runs every tool on the same trees, best of ``--runs`` by wall time, and prints
MB/s, files/s, CPU seconds and peak memory, with the ratios to ``aims scan``:

* ``aims scan -f json`` (the console script, startup included) and the engine's own
  time from the report (``stats.duration_s``, startup excluded);
* ripgrep with the same key/SDK patterns (every text detector's prefilter fragments,
  one pattern file, ``rg -c``: it reads every file whole, as the scan does);
* ``ai-bom`` and ``aibom-scanner`` from PyPI, installed into ``benchmarks/.venv-peers``.

Throughput is always the tree's bytes (regular files the walk reaches, the same
denominator for every tool) divided by wall time, so the ratios are time ratios.
Peak memory is the sum of the resident set of the process and all its children,
sampled every 10 ms from /proc (a parallel scan's workers count).

    python benchmarks/scan.py --setup            # build the corpora and the peers' venv once
    python benchmarks/scan.py                    # default corpora, 2 jobs, best of 3
    python benchmarks/scan.py --corpus PATH --no-peers --markdown
    python benchmarks/scan.py --breakdown PATH   # where the CPU time goes, in-process, one job

Every run also times ``aims scan`` of an empty directory (start-up and the engine with
nothing to look at) and ends with the ripgrep ratio of each corpus and that time.

Needs Linux (/proc), ripgrep (apt-get install ripgrep) and network access to PyPI for --setup.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_DIR = HERE / ".corpus"
PEERS_VENV = HERE / ".venv-peers"
AIMS = ROOT / ".venv" / "bin" / "aims"
PYTHON = ROOT / ".venv" / "bin" / "python"

#: Packages of the site-packages corpus (AI SDKs and frameworks, pure Python mostly).
CORPUS_PACKAGES = ["openai", "anthropic", "langchain-core", "transformers"]
#: The smaller corpus for the slow peers: these packages' sources only.
SDK_PACKAGES = ["openai", "anthropic", "langchain_core"]
PEER_PACKAGES = ["ai-bom", "aibom-scanner"]
#: Application repositories (shallow clones of public GitHub repositories), and ``apps``:
#: the four side by side (hard links), the mixed tree.
APP_REPOS = {
    "mem0": "https://github.com/mem0ai/mem0",
    "autogen": "https://github.com/microsoft/autogen",
    "semantic-kernel": "https://github.com/microsoft/semantic-kernel",
    "flask": "https://github.com/pallets/flask",
}


# --------------------------------------------------------------------------- setup


def site_packages(venv: Path) -> Path | None:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    return found[0] if found else None


def setup_corpora() -> None:
    venv = CORPUS_DIR / "venv"
    if site_packages(venv) is None:
        print(f"creating {venv} with {' '.join(CORPUS_PACKAGES)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *CORPUS_PACKAGES], check=True)
    sdks = CORPUS_DIR / "sdks"
    sp = site_packages(venv)
    if not sdks.exists() and sp is not None:
        for package in SDK_PACKAGES:
            shutil.copytree(sp / package, sdks / package, ignore=shutil.ignore_patterns("__pycache__"))


def setup_apps() -> None:
    for name, url in APP_REPOS.items():
        target = CORPUS_DIR / f"repo-{name}"
        if not target.exists():
            subprocess.run(["git", "clone", "-q", "--depth", "1", url, str(target)], check=True)
            shutil.rmtree(target / ".git", ignore_errors=True)
    apps = CORPUS_DIR / "apps"
    if not apps.exists():
        for name in APP_REPOS:
            shutil.copytree(CORPUS_DIR / f"repo-{name}", apps / name, symlinks=True, copy_function=os.link)


def setup_peers() -> None:
    if not (PEERS_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", *PEER_PACKAGES], check=True)


def default_corpora() -> list[Path]:
    corpora = []
    sdks = CORPUS_DIR / "sdks"
    if sdks.is_dir():
        corpora.append(sdks)
    sp = site_packages(CORPUS_DIR / "venv")
    if sp is not None:
        corpora.append(sp)
    corpora.extend(p for p in sorted(CORPUS_DIR.glob("repo-*")) if p.is_dir())
    if (CORPUS_DIR / "apps").is_dir():
        corpora.append(CORPUS_DIR / "apps")
    return corpora


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    max_process_rss_mb: float
    returncode: int
    engine_s: float | None = None
    timed_out: bool = False


@dataclass
class Row:
    tool: str
    corpus: str
    runs: list[Run] = field(default_factory=list)

    @property
    def best(self) -> Run:
        return min(self.runs, key=lambda r: r.wall_s)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _tree_memory_kb(pid: int) -> int:
    """Proportional set size (PSS) of a process and its descendants: pages shared
    after fork() count once in total, not once per worker."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        stack.extend(_children(current))
    return total


def measure(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_memory_kb(process.pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timed_out = False
    timer = threading.Timer(timeout, lambda: os.killpg(process.pid, 9))
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    if wall >= timeout:
        timed_out = True
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stderr is not None:
        process.stderr.close()
    return Run(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak[0] / 1024,
        max_process_rss_mb=usage.ru_maxrss / 1024,
        returncode=process.returncode,
        timed_out=timed_out,
    )


def tree_size(corpus: Path) -> tuple[int, int]:
    """(files, bytes) of the regular files the scan's walk reaches."""
    sys.path.insert(0, str(ROOT / "src"))
    from openaims.discovery.walker import walk

    files = size = 0
    for entry in walk(corpus):
        files += 1
        size += entry.size
    return files, size


def _literal(fragment: str) -> str | None:
    """The fragment as a plain string when it is one (word boundaries dropped), else None."""
    text = fragment.replace("\\b", "")
    if re.search(r"\\[sSdDwW]|[\[\](){}*+?|^$]", re.sub(r"\\.", "", text)) or re.search(r"\\[sSdDwW]", text):
        return None
    return re.sub(r"\\(.)", r"\1", text) or None


def rg_patterns(path: Path) -> int:
    """Write every text detector's prefilter fragments to ``path``; return how many."""
    sys.path.insert(0, str(ROOT / "src"))
    from openaims.discovery.registry import all_detectors

    # Python's re.escape escapes a space; Rust's regex syntax does not accept that escape.
    fragments = sorted({f.replace("\\ ", " ") for d in all_detectors() if not d.binary for f in d.prefilter})
    path.write_text("\n".join(fragments) + "\n", encoding="utf-8")
    literals = sorted({lit for f in fragments if (lit := _literal(f))})
    path.with_suffix(".lit").write_text("\n".join(literals) + "\n", encoding="utf-8")
    return len(fragments)


# --------------------------------------------------------------------------- tools


def tools(jobs: int, patterns: Path, out_dir: Path, peers: bool) -> dict[str, list[str]]:
    table = {
        "aims scan": [
            str(AIMS),
            "scan",
            "{corpus}",
            "-f",
            "json",
            "-o",
            str(out_dir / "aims.json"),
            "--no-progress",
            "-j",
            str(jobs),
        ],
    }
    rg = shutil.which("rg")
    if rg:
        common = [rg, "-c", "-j", str(jobs), "--no-ignore-parent", "--max-filesize", "2M", "-g", "!__pycache__"]
        # --no-unicode: ASCII \b, as the scan's prefilter (it matches bytes); with Unicode \b
        # ripgrep leaves its fast engines and is many times slower on these patterns.
        table["ripgrep, same patterns"] = [*common, "--no-unicode", "-f", str(patterns), "{corpus}"]
        table["ripgrep, literals only (-F)"] = [*common, "-F", "-f", str(patterns.with_suffix(".lit")), "{corpus}"]
    if peers:
        bin_dir = PEERS_VENV / "bin"
        if (bin_dir / "ai-bom").exists():
            table["ai-bom (PyPI)"] = [
                str(bin_dir / "ai-bom"),
                "scan",
                "{corpus}",
                "-f",
                "json",
                "-o",
                str(out_dir / "ai-bom.json"),
                "-q",
                "--no-telemetry",
            ]
        if (bin_dir / "aibom-scanner").exists():
            table["aibom-scanner (PyPI)"] = [
                str(bin_dir / "aibom-scanner"),
                "scan",
                "-p",
                "{corpus}",
                "-f",
                "json",
                "-o",
                str(out_dir / "aibom-scanner.json"),
            ]
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", type=Path, help="tree to scan (repeatable)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=1, help="runs of the (slow) Python peers")
    parser.add_argument(
        "--peer-max-mb",
        type=float,
        default=40.0,
        help="run the Python peers only on corpora up to this size (they are slow)",
    )
    parser.add_argument("--peer-timeout", type=float, default=1200.0)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--setup", action="store_true", help="build the corpora and the peers' venv")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--breakdown", type=Path, help="print where the CPU time of a scan of this tree goes")
    args = parser.parse_args()

    if args.breakdown is not None:
        breakdown(args.breakdown)
        return 0
    if args.setup:
        setup_corpora()
        setup_apps()
        if not args.no_peers:
            setup_peers()
    corpora = args.corpus or default_corpora()
    if not corpora:
        print("no corpus: run with --setup or give --corpus PATH", file=sys.stderr)
        return 2
    env = {**os.environ, "AI_BOM_TELEMETRY": "0", "AIMS_SCAN_FORMAT": "json", "NO_COLOR": "1"}
    # Measure aims as installed: with its bytecode (written by the first run), not compiled each time.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    rows: list[Row] = []
    sizes: dict[str, tuple[int, int]] = {}
    empty: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        (out_dir / "empty").mkdir()
        argv = [
            a.replace("{corpus}", str(out_dir / "empty"))
            for a in tools(args.jobs, out_dir, out_dir, False)["aims scan"]
        ]
        measure(argv, env=env)  # writes the bytecode when it is missing
        for _ in range(max(args.runs, 3)):
            empty.append(measure(argv, env=env))
        patterns = out_dir / "patterns.txt"
        count = rg_patterns(patterns)
        print(f"{count} prefilter patterns; {args.jobs} jobs; best of {args.runs}", file=sys.stderr)
        for corpus in corpora:
            files, size = tree_size(corpus)
            name = corpus.name if corpus.name != "site-packages" else "site-packages (AI libraries)"
            sizes[name] = (files, size)
            print(f"corpus {name}: {files} files, {size / 1e6:.1f} MB", file=sys.stderr)
            peers = not args.no_peers and size / 1e6 <= args.peer_max_mb
            for tool, template in tools(args.jobs, patterns, out_dir, peers).items():
                argv = [a.replace("{corpus}", str(corpus)) for a in template]
                row = Row(tool, name)
                slow = "PyPI" in tool
                for _ in range(args.peer_runs if slow else args.runs):
                    run = measure(argv, env=env, timeout=args.peer_timeout if slow else 1800)
                    if tool == "aims scan":
                        report = json.loads((out_dir / "aims.json").read_text())
                        run.engine_s = float(report["stats"]["duration_s"])
                    row.runs.append(run)
                    print(f"  {tool}: {run.wall_s:.2f}s rc={run.returncode}", file=sys.stderr)
                rows.append(row)
    print_rows(rows, sizes, markdown=args.markdown)
    print_summary(rows, empty)
    return 0


def print_summary(rows: list[Row], empty: list[Run]) -> None:
    """The ripgrep ratio per corpus and the empty-directory time: the scan's speed targets."""
    print()
    by_corpus: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_corpus.setdefault(row.corpus, {})[row.tool] = row
    for corpus, tools_ in by_corpus.items():
        aims, rg = tools_.get("aims scan"), tools_.get("ripgrep, same patterns")
        if aims is None or rg is None:
            continue
        wall = aims.best.wall_s / rg.best.wall_s
        cpu = aims.best.cpu_s / max(rg.best.cpu_s, 1e-9)
        print(
            f"ripgrep ratio, {corpus}: aims scan {wall:.1f}x ripgrep's wall time, {cpu:.1f}x its CPU time (target 3x)"
        )
    fastest = min(empty, key=lambda r: r.wall_s)
    least_cpu = min(r.cpu_s for r in empty)
    print(
        f"empty directory: aims scan {fastest.wall_s:.3f} s wall (best of {len(empty)}), "
        f"{least_cpu:.3f} s CPU (target 0.2 s)"
    )


def breakdown(root: Path) -> None:
    """CPU seconds of one in-process scan (one job) by part: loading the detectors, each
    detector's ``scan``, ``wants``, reading, the prefilter, and the rest (walk, ignore files,
    engine)."""
    sys.path.insert(0, str(ROOT / "src"))
    from openaims.discovery import fileview
    from openaims.discovery import scanner as engine
    from openaims.discovery.interface import ScanOptions
    from openaims.discovery.prefilter import Prefilter
    from openaims.discovery.registry import all_detectors

    clock = time.process_time
    cost: dict[str, float] = {}
    count: dict[str, int] = {}

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            started = clock()
            try:
                result = function(*args)
                return list(result) if name.startswith("detector ") else result
            finally:
                cost[name] = cost.get(name, 0.0) + clock() - started
                count[name] = count.get(name, 0) + 1

        return wrapper

    started = clock()
    detectors = all_detectors()
    loading = clock() - started
    for detector in detectors:
        detector.scan = timed(f"detector {detector.id}", detector.scan)  # type: ignore[method-assign]
    Prefilter.select = timed("prefilter", Prefilter.select)  # type: ignore[method-assign]
    engine._Engine._wanted = timed("wants", engine._Engine._wanted)  # type: ignore[method-assign]
    fileview.LocalFileView.data = timed("read", fileview.LocalFileView.data)  # type: ignore[method-assign]
    started = clock()
    result = engine.Scanner(ScanOptions(root=root), jobs=1).scan()
    total = clock() - started
    print(f"{root}: {result.stats.files_seen} files, {len(result.findings)} findings")
    print(f"  {'loading the detectors':40s} {loading:6.2f} s")
    print(f"  {'scan (one job)':40s} {total:6.2f} s")
    for name, seconds in sorted(cost.items(), key=lambda item: -item[1]):
        if seconds >= 0.005:
            print(f"    {name:38s} {seconds:6.2f} s  {count[name]} calls")
    print(f"    {'rest: walk, ignore files, engine':38s} {total - sum(cost.values()):6.2f} s")


def _ratio(factor: float) -> str:
    return f"aims {factor:.1f}x faster" if factor >= 1 else f"aims {1 / factor:.1f}x slower"


def print_rows(rows: list[Row], sizes: dict[str, tuple[int, int]], *, markdown: bool) -> None:
    header = [
        "corpus",
        "tool",
        "wall s",
        "MB/s",
        "files/s",
        "CPU s",
        "peak PSS MB",
        "aims vs tool (wall)",
        "aims vs tool (CPU)",
    ]
    lines = []
    by_corpus: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_corpus.setdefault(row.corpus, {})[row.tool] = row
    for corpus, tools_ in by_corpus.items():
        files, size = sizes[corpus]
        aims = tools_.get("aims scan")
        for tool, row in tools_.items():
            best = row.best
            mbs = size / 1e6 / best.wall_s
            ratio = cpu_ratio = ""
            if aims is not None and tool != "aims scan":
                ratio = _ratio(best.wall_s / aims.best.wall_s)
                cpu_ratio = _ratio(best.cpu_s / max(aims.best.cpu_s, 1e-9))
                if best.timed_out:
                    ratio = cpu_ratio = "tool timed out"
            lines.append(
                [
                    f"{corpus} ({files} files, {size / 1e6:.0f} MB)",
                    tool,
                    f"{best.wall_s:.2f}",
                    f"{mbs:.1f}",
                    f"{files / best.wall_s:.0f}",
                    f"{best.cpu_s:.1f}",
                    f"{best.peak_rss_mb:.0f}",
                    ratio,
                    cpu_ratio,
                ]
            )
            if tool == "aims scan" and best.engine_s:
                engine_mbs = size / 1e6 / best.engine_s
                lines.append(
                    [
                        "",
                        "  engine only (stats.duration_s)",
                        f"{best.engine_s:.2f}",
                        f"{engine_mbs:.1f}",
                        f"{files / best.engine_s:.0f}",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
        return
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
