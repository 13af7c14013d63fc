"""Run ``aims`` in-process as a test's user would, and read what it printed."""

from __future__ import annotations

import pytest

from openaims.cli import main as cli_main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``aims ARGS`` (a success may return or exit 0)."""
    code: int = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out, err = capsys.readouterr()
    return code, out, err
