"""Trees built to stall or bloat a scan: each hostile file is reported with its reason, never
as safe, and the real finding beside it is still found. ``aims check`` fails closed on them.

The trees come from ``hostile_trees`` (the same builders ``benchmarks/hostile_scan.py``
runs at full size, where time and memory are measured); here they are sized down where
the verdict does not depend on the size, with the bound lowered to match.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from tests.discovery.engine.enginekit import make_tree
from tests.discovery.engine.hostile_trees import (
    LONG_NAME,
    HostileTree,
    gitignore_tree,
    inflation_tree,
    opcode_tree,
    safetensors_tree,
)

from openaims.cli.main import main
from openaims.discovery import model_formats
from openaims.discovery.detectors import model_files
from openaims.discovery.interface import CutShort, Detector, FileView, Finding, FindingKind, ScanOptions
from openaims.discovery.scanner import Scanner, ScanResult


def _scan(tree: HostileTree, **options: float | None) -> ScanResult:
    return Scanner(ScanOptions(root=tree.root, **options), jobs=1).scan()  # type: ignore[arg-type]


def _imports(result: ScanResult) -> list[tuple[str, str]]:
    return sorted((f.path, f.name) for f in result.findings if f.kind is FindingKind.IMPORT)


def _model_file(result: ScanResult, path: str) -> Finding:
    (finding,) = [f for f in result.findings if f.kind is FindingKind.MODEL_FILE and f.path == path]
    return finding


def _check(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, dict[str, object]]:
    with pytest.raises(SystemExit) as done:
        main(["check", str(root), "-f", "json", *args])
    code = done.value.code
    return (code if isinstance(code, int) else 0), json.loads(capsys.readouterr().out)


def _failing(report: dict[str, object]) -> list[tuple[str, str, str]]:
    violations = report["violations"]
    assert isinstance(violations, list)
    return [(v["rule"], v["path"], v["message"]) for v in violations if v["status"] == "failing"]


# --------------------------------------------------------------------------- the corpus


def test_stalling_gitignore_is_reported_and_the_file_it_is_matched_against_is_scanned(tmp_path: Path) -> None:
    tree = gitignore_tree(tmp_path / "repo")
    result = _scan(tree)
    assert _imports(result) == [(LONG_NAME, "openai"), ("app.py", "openai")]
    assert [(p["path"], p["line"]) for p in result.stats.skipped_patterns] == [(".gitignore", 1)]
    assert result.stats.skipped_patterns[0]["reason"].startswith("pattern of 1801 characters is longer than")
    assert result.stats.cut_short == []


def test_zip_of_members_inflating_to_zeros_is_unscanned_with_the_reason(tmp_path: Path) -> None:
    tree = inflation_tree(tmp_path / "repo", members=32, zeros=8 << 20)
    result = _scan(tree)
    finding = _model_file(result, "model.pt")
    assert finding.unsafe is None
    assert finding.details["unscanned"].startswith("archive/data.pkl: would inflate ")
    assert [(c.path, c.detector) for c in result.stats.cut_short] == [("model.pt", "model-file.content")]
    assert "(1" in result.stats.cut_short[0].reason  # the ratio, e.g. "(1020 times, over 100)"
    assert _imports(result) == [("app.py", "openai")]


def test_zip_of_opcode_floods_stops_at_the_file_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MAX_FILE_OPCODES", 1_000_000)
    tree = opcode_tree(tmp_path / "repo", members=16, opcodes=200_000)
    result = _scan(tree, file_timeout=None)
    finding = _model_file(result, "model.pt")
    assert finding.unsafe is None
    assert "stopped after 1000000 opcodes in the file" in finding.details["unscanned"]
    assert result.stats.cut_short == [
        CutShort("model.pt", "model-file.content", "stopped after 1000000 opcodes in the file")
    ]
    assert _imports(result) == [("app.py", "openai")]


def test_safetensors_header_of_many_tensors_is_reported_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_formats, "MAX_SAFETENSORS_TENSORS", 1000)
    tree = safetensors_tree(tmp_path / "repo", tensors=5000)
    result = _scan(tree)
    finding = _model_file(result, "model.safetensors")
    assert finding.details["incomplete"] == "stopped after 1000 tensors"
    assert finding.unsafe is None
    assert result.stats.cut_short == [
        CutShort("model.safetensors", "model-file.content", "header not read fully: stopped after 1000 tensors")
    ]
    assert _imports(result) == [("app.py", "openai")]


@pytest.mark.parametrize("builder", ["inflation", "opcodes", "safetensors"])
def test_check_fails_closed_on_each_hostile_model_file(
    builder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_files, "MAX_FILE_OPCODES", 1_000_000)
    monkeypatch.setattr(model_formats, "MAX_SAFETENSORS_TENSORS", 1000)
    tree = {
        "inflation": lambda: inflation_tree(tmp_path / "repo", members=4, zeros=8 << 20),
        "opcodes": lambda: opcode_tree(tmp_path / "repo", members=8, opcodes=200_000),
        "safetensors": lambda: safetensors_tree(tmp_path / "repo", tensors=5000),
    }[builder]()
    code, report = _check(capsys, tree.root, "--file-timeout", "0")
    assert code == 1
    ((rule, path, message),) = _failing(report)
    assert path == tree.hostile
    expected = {
        "inflation": ("model-file.unsafe", "would inflate"),
        "opcodes": ("model-file.unsafe", "stopped after 1000000 opcodes in the file"),
        "safetensors": ("scan.incomplete", "header not read fully: stopped after 1000 tensors"),
    }[builder]
    assert rule == expected[0]
    assert expected[1] in message


# --------------------------------------------------------------------------- time budgets


def test_a_file_past_its_time_budget_is_unscanned_never_safe(tmp_path: Path) -> None:
    tree = opcode_tree(tmp_path / "repo", members=4, opcodes=400_000)
    result = _scan(tree, file_timeout=1e-6)
    assert [f for f in result.findings if f.kind is FindingKind.MODEL_FILE and f.unsafe is False] == []
    cut = {c.path: c.reason for c in result.stats.cut_short}
    assert cut["model.pt"] == "the time budget of the file (1e-06 s) was spent before model-file.content ran"
    assert result.stats.to_dict()["time_budget"] == {"file_s": 1e-6, "scan_s": None, "exhausted": False}


def test_scan_command_reports_files_cut_short_by_the_file_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = gitignore_tree(tmp_path / "repo")
    with pytest.raises(SystemExit) as done:
        main(["scan", str(tree.root), "-f", "json", "--no-progress", "-j", "1", "--file-timeout", "0.000001"])
    assert done.value.code in (0, None)
    stats = json.loads(capsys.readouterr().out)["stats"]
    cut = {item["path"]: item["reason"] for item in stats["cut_short"]}
    assert set(cut) >= {"app.py", LONG_NAME}
    assert cut["app.py"].startswith("the time budget of the file (1e-06 s) was spent before ")
    assert stats["cut_short_count"] == len(stats["cut_short"])


def test_check_fails_closed_when_the_scan_budget_runs_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = gitignore_tree(tmp_path / "repo")
    code, report = _check(capsys, tree.root, "--timeout", "0.000001")
    assert code == 1
    ((rule, path, message),) = _failing(report)
    assert (rule, path) == ("scan.incomplete", ".")
    assert message.startswith("The check is incomplete: the scan stopped at its time budget (--timeout 1e-06 s)")


def test_check_fails_closed_on_a_changed_file_cut_short_by_its_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = gitignore_tree(tmp_path / "repo")
    code, report = _check(capsys, tree.root, "--file-timeout", "0.000001")
    assert code == 1
    failing = {(rule, path) for rule, path, _ in _failing(report)}
    assert ("scan.incomplete", "app.py") in failing


def test_scan_table_lists_the_files_cut_short_and_the_skipped_patterns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_formats, "MAX_SAFETENSORS_TENSORS", 1000)
    tree = safetensors_tree(tmp_path / "repo", tensors=5000)
    (tree.root / ".gitignore").write_text("**/" * 200 + "a*" * 600 + "b\n")
    with pytest.raises(SystemExit):
        main(["scan", str(tree.root), "--no-progress", "-j", "1"])
    out = " ".join(capsys.readouterr().out.split())
    assert "1 file(s) cut short by a bound" in out
    assert "model.safetensors header not read fully: stopped after 1000 tensors" in out
    assert ".gitignore:1 pattern of 1801 characters is longer than 1024" in out
    assert "1 ignore-file line(s) over a bound were not used" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "0"], "aims: error: --timeout must be a positive number of seconds (got 0)\n"),
        (["--timeout", "-3"], "aims: error: --timeout must be a positive number of seconds (got -3)\n"),
        (
            ["--file-timeout", "-1"],
            "aims: error: --file-timeout must be 0 (no budget) or a positive number of seconds (got -1)\n",
        ),
    ],
)
@pytest.mark.parametrize("command", ["scan", "check"])
def test_bad_budgets_are_usage_errors(
    command: str, args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, str(tmp_path), *args])
    assert done.value.code == 2
    assert capsys.readouterr().err == message


class _Slow(Detector):
    """Takes ``seconds`` on every file (a detector an attacker found a slow input for)."""

    kinds = frozenset({FindingKind.IMPORT})

    def __init__(self, ident: str, seconds: float) -> None:
        self.id = ident  # type: ignore[misc]
        self.seconds = seconds
        self.calls: list[str] = []

    def wants(self, path: str, name: str) -> bool:
        return True

    def scan(self, file: FileView) -> Iterable[Finding]:
        self.calls.append(file.path)
        time.sleep(self.seconds)
        return [Finding(FindingKind.IMPORT, self.id, file.path, 1, self.id, provider="other")]


def test_detectors_after_the_file_budget_do_not_run_and_the_file_is_listed(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"a.py": "x\n", "b.py": "y\n"})
    slow, after = _Slow("test.slow", 0.05), _Slow("test.after", 0)
    result = Scanner(ScanOptions(root=root, file_timeout=0.02), jobs=1, detectors=[slow, after]).scan()
    assert slow.calls == ["a.py", "b.py"]  # every file gets its own budget
    assert after.calls == []
    assert [(c.path, c.detector, c.reason) for c in result.stats.cut_short] == [
        (path, "test.after", "the time budget of the file (0.02 s) was spent before test.after ran")
        for path in ("a.py", "b.py")
    ]
    assert sorted((f.path, f.detector) for f in result.findings) == [("a.py", "test.slow"), ("b.py", "test.slow")]


def test_past_the_scan_budget_the_walk_stops_and_files_handed_out_are_listed(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {f"f{i:02}.py": "x\n" for i in range(20)})
    slow = _Slow("test.slow", 0.1)
    result = Scanner(ScanOptions(root=root, timeout=0.5, file_timeout=None), jobs=1, detectors=[slow]).scan()
    stats = result.stats
    assert stats.timed_out is True
    assert 1 <= len(slow.calls) < 20
    not_scanned = [c.path for c in stats.cut_short if c.detector == "scan"]
    assert not_scanned == sorted(not_scanned)
    assert set(not_scanned).isdisjoint(slow.calls)
    assert {c.reason for c in stats.cut_short} == {"not scanned: the scan's time budget (0.5 s) was spent"}
    assert stats.to_dict()["time_budget"] == {"file_s": None, "scan_s": 0.5, "exhausted": True}
