"""The scanner: which detectors see which files, isolation of failing detectors,
parallel runs equal serial ones, statistics, post-processors, path lists."""

from __future__ import annotations

import platform
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from enginekit import BoomDetector, SizeDetector, WordDetector, make_tree

from openaims.discovery.interface import (
    Detector,
    FileView,
    Finding,
    FindingKind,
    PostProcessor,
    ScanOptions,
)
from openaims.discovery.prefilter import Prefilter, hyperscan_available
from openaims.discovery.scanner import Scanner, unique_sorted
from openaims.errors import UsageError


def found(findings: Iterable[Finding]) -> list[tuple[str, int | None, str]]:
    return [(f.path, f.line, f.detector) for f in findings]


def test_text_detectors_skip_files_over_the_size_bound(tree: Path) -> None:
    make_tree(tree, {"small.py": "needle\n", "big.py": "needle\n" + "x" * 200})
    word = WordDetector()
    result = Scanner(ScanOptions(root=tree, max_text_bytes=100), jobs=1, detectors=[word]).scan()
    assert found(result.findings) == [("small.py", 1, "test.word")]
    assert word.calls == ["small.py"]
    assert result.stats.skipped == {"too_large": 1}


def test_text_detectors_skip_binary_files_but_binary_detectors_see_them(tree: Path) -> None:
    make_tree(tree, {"weights.bin": b"needle\x00\x01" * 10, "notes.txt": "needle"})
    word = WordDetector()
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[word, SizeDetector()]).scan()
    assert found(result.findings) == [("notes.txt", 1, "test.word"), ("weights.bin", None, "test.binary")]
    assert word.calls == ["notes.txt"]
    assert result.findings[1].details == {"size": 80}


def test_binary_detectors_read_files_of_any_text_size(tree: Path) -> None:
    make_tree(tree, {"big.bin": b"\x00" * 5000})
    result = Scanner(ScanOptions(root=tree, max_text_bytes=10), jobs=1, detectors=[SizeDetector()]).scan()
    assert [(f.path, f.details["size"]) for f in result.findings] == [("big.bin", 5000)]
    assert result.stats.bytes_scanned == 5000


def test_text_file_reads_are_bounded(tree: Path) -> None:
    seen: list[int] = []

    class Length(WordDetector):
        def scan(self, file: FileView) -> Iterable[Finding]:
            seen.append(len(file.data()))
            seen.append(len(file.text()))
            return []

    make_tree(tree, {"a.txt": "needle" + "y" * 50})
    Scanner(ScanOptions(root=tree, max_text_bytes=56), jobs=1, detectors=[Length()]).scan()
    assert seen == [56, 56]


def test_prefilter_decides_which_detectors_run(tree: Path) -> None:
    make_tree(tree, {"a.py": "import alpha\n", "b.py": "beta here\n", "c.py": "nothing\n"})
    alpha = WordDetector("alpha", "test.alpha")
    beta = WordDetector("beta", "test.beta")
    always = WordDetector("nothing", "test.always", prefiltered=False)
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[alpha, beta, always]).scan()
    assert alpha.calls == ["a.py"]
    assert beta.calls == ["b.py"]
    assert always.calls == ["a.py", "b.py", "c.py"]
    assert found(result.findings) == [
        ("a.py", 1, "test.alpha"),
        ("b.py", 1, "test.beta"),
        ("c.py", 1, "test.always"),
    ]


ENGINES = ["re", *(["hyperscan"] if hyperscan_available() else [])]


@pytest.mark.parametrize("engine", ENGINES)
def test_prefilter_finds_every_detector_even_when_fragments_overlap(engine: str) -> None:
    class Frag(WordDetector):
        def __init__(self, ident: str, fragments: tuple[str, ...]) -> None:
            super().__init__("x", ident)
            self.prefilter = fragments  # type: ignore[misc]

    detectors: list[Detector] = [
        Frag("a", ("openai",)),
        Frag("b", ("open",)),
        Frag("c", (r"\bai\b", "sk-")),
        Frag("d", ("never",)),
        SizeDetector(),
        Frag("e", ()),
    ]
    prefilter = Prefilter(detectors, engine=engine)
    assert prefilter.engine == engine
    everything = [0, 1, 2, 3, 5]
    assert prefilter.select(b"import openai", everything) == {0, 1, 5}
    assert prefilter.select(b"the ai key sk-", everything) == {2, 5}
    assert prefilter.select(b"maintain", everything) == {5}
    assert prefilter.select(b"openai never", [1, 3]) == {1, 3}
    assert prefilter.select(b"", everything) == {5}


def test_prefilter_falls_back_to_text_patterns_for_fragments_bytes_cannot_hold() -> None:
    unicode = WordDetector("x", "test.unicode")
    unicode.prefilter = (r"(?u:\w+é)",)  # type: ignore[misc]
    broken = WordDetector("x", "test.broken")
    broken.prefilter = (r"(?i)late-global-flag",)  # type: ignore[misc]
    prefilter = Prefilter([unicode, broken], engine="re")
    assert prefilter.select("café".encode(), [0, 1]) == {0, 1}
    assert prefilter.select(b"cafe", [0, 1]) == {1}


def test_a_detector_that_raises_is_isolated_and_recorded(tree: Path) -> None:
    make_tree(tree, {"a.py": "boom needle\n", "b.py": "needle\n"})
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[BoomDetector(), WordDetector()]).scan()
    assert found(result.findings) == [("a.py", 1, "test.word"), ("b.py", 1, "test.word")]
    assert [e.to_dict() for e in result.stats.errors] == [
        {"path": "a.py", "detector": "test.boom", "message": "ValueError: cannot parse this file"}
    ]
    assert result.stats.error_count == 1


def test_a_detector_that_raises_in_a_worker_process_is_isolated(tree: Path) -> None:
    make_tree(tree, {f"f{i:03}.py": ("boom " if i % 7 == 0 else "") + "needle\n" for i in range(300)})
    result = Scanner(ScanOptions(root=tree), jobs=2, detectors=[BoomDetector(), WordDetector()]).scan()
    assert len(result.findings) == 300
    assert sorted(e.path for e in result.stats.errors) == [f"f{i:03}.py" for i in range(0, 300, 7)]


def test_parallel_results_equal_serial_results(tree: Path) -> None:
    files: dict[str, str | bytes] = {}
    for i in range(400):
        files[f"d{i % 9}/f{i}.txt"] = "\n".join("needle" if (i + j) % 5 == 0 else "hay" for j in range(12))
    files.update({f"m{i}.bin": bytes([i]) * (i + 1) for i in range(20)})
    make_tree(tree, files)
    detectors = [WordDetector(), WordDetector("hay", "test.hay"), SizeDetector()]
    serial = Scanner(ScanOptions(root=tree), jobs=1, detectors=detectors).scan()
    parallel = Scanner(ScanOptions(root=tree), jobs=2, detectors=detectors).scan()
    assert [f.to_dict() for f in parallel.findings] == [f.to_dict() for f in serial.findings]
    assert parallel.stats.jobs == 2
    for attribute in ("files_seen", "files_scanned", "bytes_scanned", "skipped", "by_kind", "by_provider"):
        assert getattr(parallel.stats, attribute) == getattr(serial.stats, attribute)
    assert serial.stats.files_seen == 420


def test_progress_reports_every_file(tree: Path) -> None:
    make_tree(tree, {f"f{i}.txt": "needle" for i in range(300)})
    calls: list[tuple[int, int]] = []
    Scanner(ScanOptions(root=tree), jobs=2, detectors=[WordDetector()]).scan(
        progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (300, 300)
    assert all(done <= total for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_statistics_count_what_was_seen_read_skipped_and_found(tree: Path) -> None:
    make_tree(
        tree,
        {
            ".gitignore": "*.log\n",
            "x.log": "needle",
            "node_modules/a.js": "needle",
            "a.txt": "needle\nneedle",
            "b.txt": "hay",
            "c.bin": b"\x00needle",
        },
    )
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[WordDetector()]).scan()
    stats = result.stats
    assert (stats.files_seen, stats.files_scanned) == (4, 4)
    assert stats.bytes_scanned == len("*.log\n") + 13 + 3 + 7
    assert stats.skipped == {"ignored": 1, "vendored": 1, "binary": 1}
    assert stats.by_kind == {"import": 2}
    assert stats.by_provider == {"other": 2}
    assert stats.detectors == ["test.word"]


def test_findings_are_sorted_and_deduplicated() -> None:
    a = Finding(FindingKind.MODEL, "gpt-4o", "b.py", 3, "d")
    b = Finding(FindingKind.MODEL, "gpt-4o", "a.py", 9, "d")
    c = Finding(FindingKind.IMPORT, "openai", "a.py", 9, "d")
    assert unique_sorted([a, b, c, a, Finding(FindingKind.MODEL, "gpt-4o", "b.py", 3, "d")]) == [c, b, a]


def test_post_processors_run_over_all_findings_and_are_isolated(tree: Path) -> None:
    class Upper(PostProcessor):
        id = "test.upper"

        def process(self, findings: list[Finding]) -> Iterator[Finding]:
            for finding in findings:
                yield Finding(finding.kind, finding.name.upper(), finding.path, finding.line, finding.detector)

    class Broken(PostProcessor):
        id = "test.broken"

        def process(self, findings: list[Finding]) -> Iterator[Finding]:
            raise RuntimeError("no")

    make_tree(tree, {"a.txt": "needle", "b.txt": "needle"})
    result = Scanner(
        ScanOptions(root=tree), jobs=1, detectors=[WordDetector()], postprocessors=[Upper(), Broken()]
    ).scan()
    assert [(f.name, f.path) for f in result.findings] == [("NEEDLE", "a.txt"), ("NEEDLE", "b.txt")]
    assert [e.to_dict() for e in result.stats.errors] == [
        {"path": "", "detector": "test.broken", "message": "RuntimeError: no"}
    ]


def test_scanning_a_list_of_paths_scans_only_those(tree: Path) -> None:
    make_tree(tree, {"a.txt": "needle", "b.txt": "needle", "sub/c.txt": "needle", ".gitignore": "*.log\n"})
    (tree / "d.log").write_text("needle")
    word = WordDetector()
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[word]).scan(
        ["b.txt", str(tree / "sub" / "c.txt"), "d.log", "deleted.txt"]
    )
    assert found(result.findings) == [("b.txt", 1, "test.word"), ("sub/c.txt", 1, "test.word")]
    assert result.stats.skipped == {"ignored": 1, "missing": 1}


def test_an_empty_path_list_scans_nothing(tree: Path) -> None:
    make_tree(tree, {"a.txt": "needle"})
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[WordDetector()]).scan([])
    assert result.findings == []
    assert result.stats.files_seen == 0


def test_detectors_can_follow_includes_only_inside_the_root(tmp_path: Path, tree: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    make_tree(tree, {"req/base.txt": "inner", "req/main.txt": "x", "big.txt": "z" * 50})
    os_link = tree / "req" / "escape.txt"
    os_link.symlink_to(tmp_path / "outside.txt")
    reads: dict[str, str | None] = {}

    class Includes(WordDetector):
        def scan(self, file: FileView) -> Iterable[Finding]:
            if file.path == "req/main.txt":
                for rel in (
                    "base.txt",
                    "../../outside.txt",
                    "escape.txt",
                    "/etc/hostname",
                    "../big.txt",
                    "nope",
                ):
                    reads[rel] = file.read_relative(rel)
            return []

    Scanner(ScanOptions(root=tree, max_text_bytes=20), jobs=1, detectors=[Includes("x", prefiltered=False)]).scan()
    assert reads == {
        "base.txt": "inner",
        "../../outside.txt": None,
        "escape.txt": None,
        "/etc/hostname": None,
        "../big.txt": None,
        "nope": None,
    }


@pytest.mark.parametrize("jobs", [0, -3])
def test_bad_job_counts_are_usage_errors(tree: Path, jobs: int) -> None:
    with pytest.raises(UsageError, match=f"--jobs must be at least 1 \\(got {jobs}\\)"):
        Scanner(ScanOptions(root=tree), detectors=[], jobs=jobs)


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        Scanner(ScanOptions(root=tmp_path / "nope"), detectors=[])


def test_default_scanner_uses_every_registered_detector(tree: Path) -> None:
    from openaims.discovery.registry import all_detectors

    scanner = Scanner(ScanOptions(root=tree), jobs=1)
    assert [d.id for d in scanner.detectors] == [d.id for d in all_detectors()]


@pytest.mark.skipif(
    not hyperscan_available() and platform.machine() not in ("x86_64", "AMD64"),
    reason="not on this platform: Hyperscan wheels exist for x86-64 only",
)
def test_compiled_prefilter_is_cached_and_a_broken_cache_is_recompiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openaims.discovery.prefilter import cache_dir

    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path / "cache"))
    detectors: list[Detector] = [WordDetector("alpha", "a"), WordDetector("beta", "b")]
    first = Prefilter(detectors, engine="hyperscan")
    (cached,) = cache_dir().glob("prefilter-*.hsdb")
    assert first.select(b"alpha beta", [0, 1]) == {0, 1}
    again = Prefilter(detectors, engine="hyperscan")
    assert again.select(b"beta only", [0, 1]) == {1}
    cached.write_bytes(b"not a database")
    broken = Prefilter(detectors, engine="hyperscan")
    assert broken.select(b"alpha", [0, 1]) == {0}
    other = Prefilter([WordDetector("gamma", "c")], engine="hyperscan")
    assert other.select(b"gamma", [0]) == {0}
    assert len(list(cache_dir().glob("prefilter-*.hsdb"))) == 2


def test_a_detector_returning_something_else_than_findings_is_recorded(tree: Path) -> None:
    class Sloppy(WordDetector):
        def scan(self, file: FileView) -> Iterable[Finding]:
            return [{"kind": "import"}]  # type: ignore[list-item]

    make_tree(tree, {"a.txt": "needle"})
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[Sloppy(ident="test.sloppy")]).scan()
    assert result.findings == []
    assert [e.to_dict() for e in result.stats.errors] == [
        {"path": "a.txt", "detector": "test.sloppy", "message": "TypeError: scan() returned a dict, not a Finding"}
    ]


_SCAN_WITHOUT_HYPERSCAN = """
import json, sys
sys.modules["hyperscan"] = None  # as if the optional extra were not installed
from pathlib import Path
from openaims.discovery import prefilter
from openaims.discovery.interface import ScanOptions
from openaims.discovery.scanner import Scanner
assert not prefilter.hyperscan_available()
result = Scanner(ScanOptions(root=Path(sys.argv[1])), jobs=1).scan()
print(json.dumps(sorted(json.dumps(f.to_dict(), sort_keys=True) for f in result.findings)))
"""


def test_scan_without_hyperscan_installed_finds_the_same(tmp_path: Path) -> None:
    """hyperscan is an optional extra: without it the re fallback gives the same findings."""
    import json
    import subprocess
    import sys

    sample = Path(__file__).resolve().parents[3] / "examples" / "sample-monorepo"
    fallback = subprocess.run(
        [sys.executable, "-c", _SCAN_WITHOUT_HYPERSCAN, str(sample)], capture_output=True, text=True
    )
    assert fallback.returncode == 0, fallback.stderr
    default = Scanner(ScanOptions(root=sample), jobs=1).scan()
    expected = sorted(json.dumps(f.to_dict(), sort_keys=True) for f in default.findings)
    assert len(expected) > 50
    assert json.loads(fallback.stdout) == expected
