"""Generate docs/cli.md from the ``--help`` of every ``aims`` command.

Run ``python scripts/gen_cli_docs.py`` after changing a command; the test suite
fails when docs/cli.md is out of date.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

os.environ["TYPER_USE_RICH"] = "0"  # plain help text, stable across terminals

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    subcommands = getattr(command, "commands", None)  # a group, whichever Click bundles it
    if isinstance(subcommands, dict):
        for name in sorted(subcommands):
            sub = subcommands[name]
            if getattr(sub, "hidden", False):
                continue
            found.extend(_walk(sub, [*path, name]))
    return found


def render() -> str:
    from openaims.cli.main import app, command

    root = command(app)
    runner = CliRunner()
    parts = [
        "# Command reference\n",
        "Generated from `aims --help` by `scripts/gen_cli_docs.py`; do not edit by hand.\n",
        "Every command exits 0 when it did what was asked, 1 when a rule refuses it (policy violations, "
        "a status change the record's rules forbid, a stale `--version`, a permission), 2 for bad input "
        "(an unknown option, a value of the wrong form, a file that cannot be read), 70 for an internal "
        "error and 130 when interrupted. A refusal is one line on stderr, `aims: error: ...`, naming the "
        "field as forms label it and what is allowed, e.g. `invalid risk: Inherent likelihood must be a "
        "whole number (got 'abc')`.\n",
    ]
    for path, _command in _walk(root, ["aims"]):
        result = runner.invoke(
            root, [*path[1:], "--help"], prog_name="aims", env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        )
        title = " ".join(path)
        level = "##" if len(path) <= 2 else "###"
        parts.append(f"{level} `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/cli.md is out of date: run python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
