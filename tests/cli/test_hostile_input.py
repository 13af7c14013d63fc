"""Hostile and careless command lines: one clear line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AIMS = [sys.executable, "-m", "openaims"]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    environ.update(env or {})
    return subprocess.run(
        [*AIMS, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def _assert_one_line_error(out: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert "Traceback" not in out.stderr
    assert out.returncode == code, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("aims: error: "), out.stderr
    assert message in lines[0]


#: (environment, command line, substring of the one-line error) against a directory without a register.
NO_REGISTER_CASES: list[tuple[dict[str, str], list[str], str]] = [
    ({"AIMS_DATABASE_URL": "nonsense"}, ["system", "list"], "AIMS_DATABASE_URL is not a database URL: 'nonsense'"),
    ({"AIMS_DATABASE_URL": ""}, ["init"], "AIMS_DATABASE_URL is not a database URL: ''"),
    (
        {"AIMS_DATABASE_URL": "postgresql://u:" + "hunter2" + "@h:abc/x"},
        ["risk", "list"],
        "'postgresql://u:***@h:abc/x'",
    ),
]


@pytest.mark.parametrize(("env", "args", "message"), NO_REGISTER_CASES)
def test_without_a_register(tmp_path: Path, env: dict[str, str], args: list[str], message: str) -> None:
    out = _run(args, tmp_path, env)
    _assert_one_line_error(out, 2, message)
    assert "hunter2" not in out.stderr
