"""``--help`` read on an 80-column terminal: plain metavars, every record option described,
environment variable names whole."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from openaims.cli.main import app, command
from openaims.register.services import registry

AIMS = [sys.executable, "-m", "openaims"]
PYTHON_TYPES = re.compile(r"<(?:str|bool|int|float|path|file|dir|list\[[^\]]*\]|[a-z0-9-]+(?:\|[a-z0-9-]+)+)>")


def _help(args: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update({"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    out = subprocess.run([*AIMS, *args, "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _walk(cmd: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, cmd)]
    for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
        found.extend(_walk(sub, [*path, name]))
    return found


ROOT = command(app)
EVERY = _walk(ROOT, [])


@pytest.mark.parametrize(
    "args",
    [["risk", "add"], ["system", "update"], ["readiness"], ["scan"], ["check"], ["soa", "export"]],
    ids=" ".join,
)
def test_help_at_80_columns_is_plain_and_whole(args: list[str]) -> None:
    text = _help(args)
    assert PYTHON_TYPES.search(text) is None, PYTHON_TYPES.search(text)
    assert "╭" not in text
    assert [line for line in text.splitlines() if cell_len(line) > 80] == []
    cmd = {tuple(p): c for p, c in EVERY}[tuple(args)]
    variables = [p.envvar for p in cmd.params if isinstance(p.envvar, str) and p.show_envvar]
    assert variables
    for name in variables:  # each on one line, never cut or wrapped
        assert re.search(rf"(?<![A-Z_]){name}(?![A-Z_])", text), name


def test_no_command_shows_a_python_type() -> None:
    runner = CliRunner()
    shown = []
    for path, _cmd in EVERY:
        result = runner.invoke(ROOT, [*path, "--help"], prog_name="aims", env={"COLUMNS": "80"})
        match = PYTHON_TYPES.search(result.output)
        if match:
            shown.append((" ".join(path), match.group()))
    assert shown == []


@pytest.mark.parametrize("verb", ["add", "update"])
def test_every_record_option_says_what_it_takes(verb: str) -> None:
    undescribed = []
    for service in registry().values():
        group = ROOT.commands[service.cli_name()]
        for param in group.commands[verb].params:
            if param.param_type_name == "option" and not (param.help or "").strip():
                undescribed.append(f"aims {service.cli_name()} {verb} {param.opts[0]}")
    assert undescribed == []


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (["risk", "add"], "--inherent-likelihood INTEGER", "A whole number from 1 to 10."),
        (["risk", "add"], "--review-on DATE", "A date, YYYY-MM-DD."),
        (["risk", "add"], "--system-ids ID", "Each value is the id of a record such as SYS-1."),
        (["system", "add"], "--risk-tier CHOICE", "One of: unclassified, minimal, limited,"),
        (["system", "add"], "--eu-ai-act JSON", "A JSON object"),
        (["system", "add"], "--name TEXT", "Text, 1 to 200 characters. Required."),
    ],
)
def test_record_options_name_format_and_allowed_values(args: list[str], option: str, words: str) -> None:
    text = _help(args)
    line = next(line for line in text.splitlines() if line.strip().startswith(option + " "))
    start = text.index(line)
    assert words in " ".join(text[start : start + 400].split())
