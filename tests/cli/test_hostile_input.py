"""Hostile and careless command lines: one clear line on stderr, exit 2, never a traceback.

Every case runs ``python -m openaims`` in a subprocess; the cases of a table run
concurrently (each start-up is slow, none depends on another).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

AIMS = [sys.executable, "-m", "openaims"]

Outcome = subprocess.CompletedProcess[str]


def _run(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Outcome:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    environ.update(env or {})
    return subprocess.run(
        [*AIMS, *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _run_all(cases: Sequence[tuple[Sequence[str], Path, dict[str, str] | None]]) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda case: _run(*case), cases))


def _assert_one_line_error(out: Outcome, code: int, message: str) -> None:
    assert "Traceback" not in out.stderr
    assert out.returncode == code, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("aims: error: "), out.stderr
    assert message in lines[0]


#: (environment, command line, substring of the one-line error) in a directory without a register.
NO_REGISTER_CASES: list[tuple[dict[str, str], list[str], str]] = [
    ({"AIMS_DATABASE_URL": "nonsense"}, ["system", "list"], "AIMS_DATABASE_URL is not a database URL: 'nonsense'"),
    ({"AIMS_DATABASE_URL": ""}, ["init"], "AIMS_DATABASE_URL is not a database URL: ''"),
    (
        {"AIMS_DATABASE_URL": "postgresql://u:" + "hunter2" + "@h:abc/x"},
        ["risk", "list"],
        "'postgresql://u:***@h:abc/x'",
    ),
    ({"AIMS_DATABASE_URL": "sqlite:///notes.db"}, ["system", "list"], "sqlite:///notes.db: file is not a database"),
]

#: (command line, expected exit code, substring of the one-line error) against an initialised register.
REGISTER_CASES: list[tuple[list[str], int, str]] = [
    (["export", "/proc/no-such-dir/out"], 2, "cannot create /proc/no-such-dir/out"),
    # Click's own usage errors: one line naming the help to read, not a boxed panel.
    (["system", "update", "SYS-1", "--name", "y"], 2, "Missing option '--version'. (see 'aims system update -h')"),
    (["system", "update", "SYS-1", "--version", "abc", "--name", "lost-name"], 2, "Invalid value for '--version'"),
    (["history", "log", "--limit", "0"], 2, "Invalid value for '--limit'"),
    (["no-such-command"], 2, "No such command 'no-such-command'. (see 'aims -h')"),
    # A prompt with no terminal behind it: say how to give the value instead of aborting.
    (["user", "add", "bob"], 2, "pipe it in with --password-stdin"),
    # Output paths that cannot be written: refused before the work, not an internal error.
    (["readiness", "-f", "html", "-o", "a-folder"], 2, "cannot write a-folder: it is a directory"),
    (["lint", "a-folder", "-f", "json", "-o", "no-folder/x.json"], 2, "the folder no-folder does not exist"),
    (["soa", "export", "a-folder", "--format", "pdf", "--draft"], 2, "cannot write a-folder: it is a directory"),
    # JSON option values are read by the bounded reader: deep nesting is one line, not a RecursionError.
    (
        ["system", "add", "--name", "deep", "--eu-ai-act", "[" * 5000 + "]" * 5000],
        2,
        "--eu-ai-act:1: nested deeper than 32 levels (the option needs JSON)",
    ),
    (["system", "add", "--name", "dup", "--eu-ai-act", '{"a": 1, "a": 2}'], 2, "--eu-ai-act:1: duplicate key 'a'"),
    # A record number that does not exist is a lookup error (exit 2), not a conflict.
    (["soa", "diff", "1", "2"], 2, "there is no SoA version 1"),
]


@pytest.fixture(scope="module")
def no_register_outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    where = tmp_path_factory.mktemp("empty")
    (where / "notes.db").write_text("not a database\n", encoding="utf-8")
    return _run_all([(args, where, env) for env, args, _ in NO_REGISTER_CASES])


@pytest.fixture(scope="module")
def register_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with an initialised register and one AI system (SYS-1)."""
    where = tmp_path_factory.mktemp("register")
    (where / "a-folder").mkdir()
    assert _run(["init"], where).returncode == 0
    assert _run(["system", "add", "--name", "Ünïcødé scorer 🤖"], where).returncode == 0
    return where


@pytest.fixture(scope="module")
def register_outcomes(register_dir: Path) -> list[Outcome]:
    return _run_all([(args, register_dir, None) for args, _, _ in REGISTER_CASES])


@pytest.mark.parametrize("index", range(len(NO_REGISTER_CASES)), ids=[" ".join(c[1]) for c in NO_REGISTER_CASES])
def test_without_a_register(no_register_outcomes: list[Outcome], index: int) -> None:
    out = no_register_outcomes[index]
    _assert_one_line_error(out, 2, NO_REGISTER_CASES[index][2])
    assert "hunter2" not in out.stderr


def test_a_file_that_is_not_a_register_is_left_alone(tmp_path: Path) -> None:
    where = tmp_path / "x"
    where.mkdir()
    (where / "notes.db").write_text("not a database\n", encoding="utf-8")
    _run(["init"], where, {"AIMS_DATABASE_URL": "sqlite:///notes.db"})
    assert (where / "notes.db").read_text(encoding="utf-8") == "not a database\n"


@pytest.mark.parametrize("index", range(len(REGISTER_CASES)), ids=[" ".join(c[0]) for c in REGISTER_CASES])
def test_against_a_register(register_outcomes: list[Outcome], index: int) -> None:
    _, code, message = REGISTER_CASES[index]
    _assert_one_line_error(register_outcomes[index], code, message)


def test_record_survives_rejected_updates(register_dir: Path, register_outcomes: list[Outcome]) -> None:
    shown = _run(["system", "show", "SYS-1"], register_dir)
    assert shown.returncode == 0
    assert "Ünïcødé scorer" in shown.stdout
    assert "lost-name" not in shown.stdout


def test_ctrl_c_in_a_command_says_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from openaims.cli import main as cli_main

    app = typer.Typer()

    @app.command()
    def slow() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "app", app, raising=False)
    with pytest.raises(SystemExit) as done:
        cli_main.main([])
    assert done.value.code == 130
    assert capsys.readouterr().err.strip() == "aims: interrupted"


def test_scan_of_a_file_name_that_is_not_utf8_gives_valid_json(tmp_path: Path) -> None:
    with open(os.path.join(os.fsencode(tmp_path), b"bad\xffname.py"), "wb") as handle:
        handle.write(b"import openai\n")
    out = subprocess.run([*AIMS, "scan", str(tmp_path), "-f", "json"], capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.decode("utf-8"))  # strict UTF-8: no raw 0xff byte in the report
    assert {f["path"] for f in report["findings"]} == {"bad\ufffdname.py"}
