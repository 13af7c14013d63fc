"""Output read on an 80-column terminal: nothing wraps, a large scan is a one-screen summary.

Each command runs as ``aims`` does in a terminal of 80 columns (``COLUMNS=80``), in a
subprocess, over a generated tree of a few hundred files with deep paths and long names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from openaims.layout import ELLIPSIS, Column, fit_table, shorten

AIMS = [sys.executable, "-m", "openaims"]

#: SDKs the generated tree imports, one per module, with the requirement that declares them.
SDKS = ("openai", "anthropic", "torch", "transformers", "langchain", "cohere", "mistralai", "google.generativeai")
REQUIREMENTS = ("openai==1.40.0", "anthropic>=0.30", "torch==2.3.1", "transformers", "langchain-core", "cohere")


def _aims(args: list[str], cwd: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update({"COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb", "AIMS_ACTOR": "tester"})
    return subprocess.run(
        [*AIMS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def mid_sized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of 12 services x 25 modules, each module importing an AI SDK."""
    root = tmp_path_factory.mktemp("mid-sized")
    for service in range(12):
        package = root / "services" / f"customer-facing-recommendation-service-{service:02d}" / "src" / "internal"
        package.mkdir(parents=True)
        (package.parent.parent / "requirements.txt").write_text("\n".join(REQUIREMENTS) + "\n", encoding="utf-8")
        for module in range(25):
            sdk = SDKS[(service + module) % len(SDKS)]
            (package / f"feature_pipeline_with_a_rather_long_module_name_{module:02d}.py").write_text(
                f"import {sdk}\n\nMODEL = 'gpt-4o-mini'\n", encoding="utf-8"
            )
    return root


def _width_problems(text: str, width: int = 80) -> list[str]:
    return [line for line in text.splitlines() if cell_len(line.rstrip()) > width]


@pytest.fixture(scope="module")
def summary(mid_sized: Path) -> subprocess.CompletedProcess[str]:
    return _aims(["scan", str(mid_sized), "--no-progress"], mid_sized)


@pytest.fixture(scope="module")
def report(mid_sized: Path) -> dict[str, Any]:
    out = _aims(["scan", str(mid_sized), "--no-progress", "--format", "json"], mid_sized)
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


@pytest.fixture(scope="module")
def details(mid_sized: Path) -> subprocess.CompletedProcess[str]:
    return _aims(["scan", str(mid_sized), "--no-progress", "--details"], mid_sized)


def test_a_large_scan_prints_a_summary_that_fits_one_screen(summary: subprocess.CompletedProcess[str]) -> None:
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    assert len(lines) <= 40, summary.stdout
    assert _width_problems(summary.stdout) == []


def test_the_summary_counts_every_finding_and_says_how_to_see_them(
    summary: subprocess.CompletedProcess[str], report: dict[str, Any]
) -> None:
    text = summary.stdout
    total = next(line for line in text.splitlines() if line.startswith("Total"))
    assert int(total.split()[1]) == len(report["findings"])
    assert len(report["findings"]) > 300  # an import per module and the requirements
    assert "--details" in " ".join(text.split())


def test_details_lists_every_finding_without_wrapping(
    details: subprocess.CompletedProcess[str], report: dict[str, Any]
) -> None:
    assert details.returncode == 0, details.stderr
    assert _width_problems(details.stdout) == []
    lines = details.stdout.splitlines()
    assert len(lines) > len(report["findings"])
    # Each finding in a module is on a line of its own: the whole path, or the path shortened
    # from the left with the file name kept, never split over two lines.
    module = "feature_pipeline_with_a_rather_long_module_name_07.py"
    where = [line.strip() for line in lines if module in line]
    assert len(where) == sum(1 for f in report["findings"] if f["path"].endswith(module))
    assert len(where) >= 12
    for line in where:
        assert line.startswith(("services/", ELLIPSIS)), line


def test_details_come_from_the_environment(mid_sized: Path) -> None:
    env_run = subprocess.run(
        [*AIMS, "scan", str(mid_sized), "--no-progress"],
        cwd=mid_sized,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("AIMS_")},
            "COLUMNS": "80",
            "AIMS_SCAN_DETAILS": "1",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert env_run.returncode == 0, env_run.stderr
    assert len(env_run.stdout.splitlines()) > 600


def test_a_small_scan_lists_its_findings(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import anthropic\n", encoding="utf-8")
    out = _aims(["scan", str(tmp_path), "--no-progress"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Imports (1)" in out.stdout
    assert "app.py:1" in out.stdout


def test_register_result_comes_last(mid_sized: Path, tmp_path: Path) -> None:
    assert _aims(["init"], tmp_path).returncode == 0
    both = subprocess.run(
        [*AIMS, "scan", str(mid_sized), "--no-progress", "--register"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("AIMS_")},
            "COLUMNS": "80",
            "AIMS_ACTOR": "tester",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert both.returncode == 0, both.stdout
    last = both.stdout[both.stdout.rindex("Register: ") :]
    assert " new, " in last
    assert "Summary" not in last
    assert "files seen" not in last


def test_register_list_fits_80_columns(tmp_path: Path) -> None:
    assert _aims(["init"], tmp_path).returncode == 0
    title = "Unsupervised retraining of the customer-facing recommendation model drifts from its approved scope"
    added = _aims(["risk", "add", "--title", title, "--owner", "Maria Lopez-Fernandez of Group Compliance"], tmp_path)
    assert added.returncode == 0, added.stderr
    listed = _aims(["risk", "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert _width_problems(listed.stdout) == []
    row = next(line for line in listed.stdout.splitlines() if line.startswith("RISK-1"))
    assert "identified" in row
    assert "Unsupervised retraining of the" in row
    assert row.split("identified", 1)[1].strip().startswith("Unsupervised")  # the title is not broken up
    wide = _aims(["risk", "list"], tmp_path, columns=250)
    assert title in wide.stdout


# ----------------------------------------------------------------- the layout itself
@given(st.text(max_size=60), st.integers(min_value=1, max_value=70), st.sampled_from(["left", "right"]))
def test_shorten_fits_and_keeps_the_cut_side(text: str, width: int, cut: str) -> None:
    short = shorten(text, width, cut)  # type: ignore[arg-type]
    assert cell_len(short) <= width
    if cell_len(text) <= width:
        assert short == text
    elif cut == "left":
        assert short.startswith(ELLIPSIS)
        assert text.endswith(short[1:])
    else:
        assert short.endswith(ELLIPSIS)
        assert text.startswith(short[:-1])


_CELLS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=50)


@given(st.lists(st.tuples(_CELLS, _CELLS, _CELLS, _CELLS), max_size=8), st.integers(min_value=40, max_value=200))
def test_fitted_tables_never_exceed_the_width(rows: list[tuple[str, str, str, str]], width: int) -> None:
    columns = (
        Column("Name", min_width=8),
        Column("Kind", drop=2),
        Column("Detail", min_width=6, drop=1),
        Column("Where", min_width=20, cut="left", under=True),
    )
    lines = fit_table(columns, rows, width, title="Findings")
    assert all(cell_len(line.plain) <= width for line in lines), [line.plain for line in lines]
    assert all("\n" not in line.plain for line in lines)


# ----------------------------------------------------------------- register tables
@pytest.fixture(scope="module")
def demo_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("demo")
    assert _aims(["init"], where).returncode == 0
    loaded = _aims(["demo-data"], where)
    assert loaded.returncode == 0, loaded.stderr
    return where


REGISTER_TABLES = [
    ["risk", "list"],
    ["system", "list"],
    ["history", "show", "RISK-1"],
    ["history", "log", "--limit", "20"],
    ["soa", "versions"],
    ["readiness"],
    ["user", "list"],
    ["frameworks", "list"],
    ["frameworks", "show", "iso42001"],
    ["frameworks", "crosswalk", "A.6.2.4"],
    ["lint", "."],
]


@pytest.mark.parametrize("args", REGISTER_TABLES, ids=" ".join)
def test_register_tables_fit_80_columns(demo_register: Path, args: list[str]) -> None:
    out = _aims(args, demo_register)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    assert _width_problems(out.stdout) == []


def test_a_table_written_to_a_file_lists_every_finding(mid_sized: Path, tmp_path: Path, report: dict[str, Any]) -> None:
    target = tmp_path / "scan.txt"
    out = _aims(["scan", str(mid_sized), "--no-progress", "-o", str(target)], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith("Wrote ")
    assert len(target.read_text(encoding="utf-8").splitlines()) > len(report["findings"])
