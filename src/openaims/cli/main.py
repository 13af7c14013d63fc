"""The ``aims`` command line: the one place where errors become exit codes.

Each command group lives in its own module under ``openaims.cli`` and exposes
``register(app)``. Commands parse input, call one service, and render.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import typer

from openaims import __version__
from openaims.cli.console import err_console
from openaims.errors import AimsError

#: Command modules, in the order their commands appear in ``aims --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "init",
    "scan",
    "check",
    "policy",
    "baseline",
    "lint",
    "inventory",
    "records",
    "history",
    "exchange",
    "demo",
    "readiness",
    "soa",
    "classify",
    "frameworks",
    "serve",
    "users",
)

app = typer.Typer(
    name="aims",
    help="OpenAIMS: discover AI in code, enforce AI policy, run and prove an ISO/IEC 42001 AI management system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aims {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """OpenAIMS command line."""


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        module_name = f"openaims.cli.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        module.register(app)


_load_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aims`` console script."""
    try:
        app(args=argv, prog_name="aims", standalone_mode=True)
    except AimsError as exc:
        err_console.print(f"aims: error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("aims: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # the last edge: never show a traceback to a user
        if os.environ.get("AIMS_DEBUG"):
            raise
        err_console.print(
            f"aims: internal error: {type(exc).__name__}: {exc} (set AIMS_DEBUG=1 for details)",
            markup=False,
            highlight=False,
        )
        sys.exit(70)
