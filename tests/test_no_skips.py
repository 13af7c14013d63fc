"""``make test`` fails when a test that needs PostgreSQL (or anything else) is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFTEST = """
import tests.support.postgres as postgres

postgres.find_binaries = lambda: None  # as on a machine without PostgreSQL
pytest_plugins = ["tests.support.postgres", "tests.support.no_skips"]
"""

TESTS = """
def test_needs_postgres(postgres_server):
    assert postgres_server

def test_plain():
    assert True
"""


def _run(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_it.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k != "AIMS_TEST_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *options, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


def test_without_postgresql_the_run_fails_instead_of_skipping(tmp_path: Path) -> None:
    out = _run(tmp_path, "--no-skips")
    assert out.returncode == 1, out.stdout
    assert "1 skipped test(s) with --no-skips: the run fails" in out.stdout
    assert "PostgreSQL binaries not found" in out.stdout


def test_without_the_option_a_skip_is_only_reported(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert out.returncode == 0, out.stdout
    assert "1 skipped" in out.stdout


def test_make_test_runs_with_no_skips() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "--no-skips" in test_recipe
