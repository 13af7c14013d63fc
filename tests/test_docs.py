"""Docs that tests keep honest: the command reference matches ``--help``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_every_command_is_in_the_reference() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    import typer.main

    from openaims.cli.main import app

    root = typer.main.get_command(app)
    for name in getattr(root, "commands", {}):
        assert f"`aims {name}`" in text, name
