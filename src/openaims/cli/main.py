"""The ``aims`` command line: the one place where errors become exit codes.

Each command group lives in its own module under ``openaims.cli`` and exposes
``register(app)``. Commands parse input, call one service, and render.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable

import typer
from typer import rich_utils
from typer._click import exceptions as click  # Typer's own Click: its errors

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
    "signin",
    "keys",
    "backup",
    "org",
    "worker",
)

#: Top-level command name -> the module that defines it. ``main`` loads only the
#: invoked command's module, so a pre-commit hook running ``aims check`` does not pay
#: for the register, the web app and every other command. Names not listed here
#: (the record commands such as ``aims risk``) load everything.
COMMAND_OWNERS: dict[str, str] = {
    "init": "init",
    "scan": "scan",
    "check": "check",
    "policy": "policy",
    "baseline": "baseline",
    "lint": "lint",
    "inventory": "inventory",
    "history": "history",
    "export": "exchange",
    "import": "exchange",
    "csv": "exchange",
    "demo-data": "demo",
    "readiness": "readiness",
    "soa": "soa",
    "classify": "classify",
    "frameworks": "frameworks",
    "serve": "serve",
    "user": "users",
    "login": "signin",
    "logout": "signin",
    "whoami": "signin",
    "keys": "keys",
    "backup": "backup",
    "restore": "backup",
    "org": "org",
    "worker": "worker",
}

#: Variables that are no longer read, with what replaced them (``aims`` warns when one is set).
RETIRED: dict[str, str] = {
    "AIMS_FORMAT": (
        "each command has its own variable because the allowed formats differ: AIMS_SCAN_FORMAT, "
        "AIMS_CHECK_FORMAT, AIMS_LINT_FORMAT, AIMS_READINESS_FORMAT, AIMS_CLASSIFY_FORMAT, AIMS_LIST_FORMAT"
    ),
    "AIMS_OUTPUT": "use AIMS_SCAN_OUTPUT",
}

_root = typer.Typer(
    name="aims",
    help="OpenAIMS: discover AI in code, enforce AI policy, run and prove an ISO/IEC 42001 AI management system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
_loaded: set[str] = set()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aims {__version__}")
        raise typer.Exit(0)


@_root.callback()
def _callback(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """OpenAIMS command line."""


def load_commands(modules: Iterable[str] | None = None) -> typer.Typer:
    """Register the commands of ``modules`` (every command module when None)."""
    for name in COMMAND_MODULES if modules is None else modules:
        if name in _loaded:
            continue
        module_name = f"openaims.cli.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).register(_root)
        _loaded.add(name)
    return _root


def __getattr__(name: str) -> typer.Typer:
    """``openaims.cli.main.app`` is the application with every command."""
    if name == "app":
        return load_commands()
    raise AttributeError(name)


def _modules_for(args: list[str]) -> list[str] | None:
    command = next((a for a in args if not a.startswith("-")), None)
    if command is None:
        return [] if any(a == "--version" for a in args) else None
    owner = COMMAND_OWNERS.get(command)
    return [owner] if owner else None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aims`` console script."""
    args = sys.argv[1:] if argv is None else list(argv)
    _retired_variables()
    application = globals().get("app") or load_commands(_modules_for(args))
    try:
        result = application(args=args, prog_name="aims", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        rich_utils.rich_format_error(exc)  # the help text, as with standalone Typer
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # bad options and arguments: one line, like AimsError
        err_console.print(f"aims: error: {_one_line(exc)}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt, or a prompt with no input left
        if sys.stdin is not None and sys.stdin.isatty():
            err_console.print("aims: interrupted", markup=False)
            sys.exit(130)
        err_console.print(
            "aims: error: a prompt got no input (standard input is not a terminal); give the value as an option",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(2)
    except AimsError as exc:
        err_console.print(f"aims: error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("aims: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # the last edge: never show a traceback to a user
        if _debug():
            raise
        err_console.print(
            f"aims: internal error: {type(exc).__name__}: {exc} (set AIMS_DEBUG=1 for details)",
            markup=False,
            highlight=False,
        )
        sys.exit(70)
    # Without standalone mode Typer returns the code of typer.Exit / ctx.exit instead of exiting;
    # it turns Ctrl-C (KeyboardInterrupt) into 130.
    code = result if isinstance(result, int) and not isinstance(result, bool) else 0
    if code == 130:
        err_console.print("aims: interrupted", markup=False)
    sys.exit(code)


def _debug() -> bool:
    """``AIMS_DEBUG``: show tracebacks of internal errors (read only when one happens)."""
    try:
        from openaims.settings import load_settings

        return load_settings().debug
    except Exception:  # settings that do not load must not hide the error being reported
        return False


def _retired_variables() -> None:
    """Warn about environment variables that are no longer read, naming what replaced them."""
    for name, replacement in RETIRED.items():
        if name in os.environ:
            err_console.print(
                f"aims: warning: {name} is no longer read; {replacement}", markup=False, highlight=False
            )


def _one_line(exc: click.ClickException) -> str:
    """A Click error as one line that names the command and where to read its help."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    envvar = getattr(param, "envvar", None)
    if ctx is not None and param is not None and isinstance(envvar, str) and envvar in os.environ:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if source is not None and source.name == "ENVIRONMENT":
            # The value came from the environment: name the variable, not only the option.
            return f"invalid {envvar}: {message.split(': ', 1)[-1]} (see docs/settings.md)"
    if isinstance(exc, click.UsageError) and ctx is not None:
        return f"{message} (see '{ctx.command_path} -h')"
    return message
