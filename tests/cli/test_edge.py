"""The CLI edge: errors become one line and an exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer

from openaims.cli import main as cli_main
from openaims.errors import AimsError, UsageError

AIMS = [sys.executable, "-m", "openaims"]


def _raising(error: Exception) -> typer.Typer:
    """An application whose only command raises ``error``."""
    app = typer.Typer()

    @app.command()
    def run() -> None:
        raise error

    return app


def test_version_prints_package_version() -> None:
    from openaims import __version__

    out = subprocess.run([*AIMS, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"aims {__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    out = subprocess.run([*AIMS, "no-such-command"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("error", "code"),
    [(UsageError("bad path: /nope"), 2), (AimsError("policy violated"), 1)],
)
def test_service_errors_become_one_line_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: AimsError, code: int
) -> None:
    monkeypatch.setattr(cli_main, "app", _raising(error))
    with pytest.raises(SystemExit) as exc:
        cli_main.main([])
    assert exc.value.code == code
    err = capsys.readouterr().err
    assert err.strip() == f"aims: error: {error.message}"


def test_unexpected_error_has_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AIMS_DEBUG", raising=False)
    monkeypatch.setattr(cli_main, "app", _raising(RuntimeError("disk on fire")))
    with pytest.raises(SystemExit) as exc:
        cli_main.main([])
    assert exc.value.code == 70
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert "disk on fire" in err


def test_every_wired_command_module_registers_commands() -> None:
    """A command module that exists must add at least one command or group."""
    root = Path(cli_main.__file__).parent
    present = [name for name in cli_main.COMMAND_MODULES if (root / f"{name}.py").exists()]
    app = typer.Typer()
    for name in present:
        module = __import__(f"openaims.cli.{name}", fromlist=["register"])
        before = len(app.registered_commands) + len(app.registered_groups)
        module.register(app)
        assert len(app.registered_commands) + len(app.registered_groups) > before, name
