"""The ``aims`` command line: the one place where errors become exit codes.

Each command group lives in its own module under ``openaims.cli`` and exposes
``register(app)``. Commands parse input, call one service, and render.
"""

from __future__ import annotations

import functools
import gc
import importlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from typer._click import exceptions as click  # Typer's own Click: its errors
from typer.core import TyperCommand, TyperGroup

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
    "pack",
    "oscal",
    "toolkit",
    "review",
    "classify",
    "monitor",
    "kpi",
    "frameworks",
    "serve",
    "users",
    "signin",
    "keys",
    "backup",
    "org",
    "worker",
)

#: Variables that are no longer read, with what replaced them (``aims`` warns when one is set).
RETIRED: dict[str, str] = {
    "AIMS_FORMAT": (
        "each command has its own variable because the allowed formats differ: AIMS_SCAN_FORMAT, "
        "AIMS_CHECK_FORMAT, AIMS_LINT_FORMAT, AIMS_READINESS_FORMAT, AIMS_CLASSIFY_FORMAT, AIMS_LIST_FORMAT"
    ),
    "AIMS_OUTPUT": "use AIMS_SCAN_OUTPUT",
}

#: Every top-level command: its name, the module that defines it, and what ``aims --help``
#: shows for it. Written by ``scripts/gen_command_index.py``; a test keeps it current.
INDEX_FILE = Path(__file__).with_name("commands.json")


@functools.cache
def command_index() -> dict[str, dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    return {entry["name"]: entry for entry in entries}


def _scratch() -> typer.Typer:
    """An application that stays a group however few commands a module registers."""
    scratch = typer.Typer()
    scratch.callback()(lambda: None)
    return scratch


def _register(module_name: str, app: typer.Typer, command: str | None = None) -> None:
    """Register a command module's commands on ``app`` (with ``only``, the one command, when it can)."""
    register = importlib.import_module(f"openaims.cli.{module_name}").register
    if command is not None and "only" in inspect.signature(register).parameters:
        register(app, only=command)
    else:
        register(app)


@functools.cache
def _real_command(name: str) -> Any:
    """The Click command of top-level command ``name``, loading only the module that defines it."""
    _register(command_index()[name]["module"], scratch := _scratch(), name)
    return _prepared(typer.main.get_command(scratch).commands[name])  # type: ignore[attr-defined]


def _prepared(command: Any) -> Any:
    """``command`` and every command under it with plain help, its options converted without pydantic
    where the result is certain (see ``openaims.cli.params``)."""
    from openaims.cli.help import plain_help
    from openaims.cli.params import install

    install()
    return plain_help(command)


class LazyRoot(TyperGroup):
    """The ``aims`` group: lists every command from the index, loads a module only to run its command.

    ``aims --help`` shows the indexed help texts, so it imports no command module; ``aims risk
    list`` imports the record commands and nothing else (no web app, exporters or scanner).
    """

    def list_commands(self, ctx: Any) -> list[str]:
        real = super().list_commands(ctx)
        return [*command_index(), *(name for name in real if name not in command_index())]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        real = super().get_command(ctx, cmd_name)
        entry = command_index().get(cmd_name)
        if real is not None or entry is None:
            return real
        return TyperCommand(  # what the help lists; resolve_command swaps in the real command
            cmd_name, help=entry["help"], short_help=entry["short_help"], hidden=entry["hidden"],
            deprecated=entry["deprecated"], rich_help_panel=entry["panel"],
        )  # fmt: skip

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name and name not in self.commands and name in command_index():
            self.add_command(_real_command(name), name)
        _collect_again()
        return super().resolve_command(ctx, args)


#: Whether the console script turned the garbage collector off while the command loads.
_LOADING = {"without_gc": False}


def _collect_again() -> None:
    """The command is loaded: keep what the imports built out of every later collection, collect again."""
    if _LOADING["without_gc"]:
        _LOADING["without_gc"] = False
        gc.freeze()
        gc.enable()


def _plain(value: Any) -> Any:
    """A Typer default placeholder as the value it stands for."""
    return value if value is None or isinstance(value, str) else getattr(value, "value", None)


def build_index() -> list[dict[str, Any]]:
    """The index of every command module's top-level commands, in ``aims --help`` order."""
    found: dict[str, dict[str, Any]] = {}
    for module_name in COMMAND_MODULES:
        _register(module_name, scratch := _scratch())
        group = typer.main.get_command(scratch)
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            found[name] = {
                "name": name,
                "module": module_name,
                "help": command.help,
                "short_help": command.short_help,
                "hidden": bool(command.hidden),
                "deprecated": bool(command.deprecated),
                "panel": _plain(getattr(command, "rich_help_panel", None)),
                "service_module": None,
            }
    from openaims.register.services import registry

    for service in registry().values():  # a record command imports only its own service module
        if service.cli_name() in found:
            found[service.cli_name()]["service_module"] = service.__module__.rsplit(".", 1)[-1]
    full = typer.main.get_command(load_commands())
    return [found[name] for name in full.list_commands(None)]  # type: ignore[arg-type,attr-defined]


_root = typer.Typer(
    cls=LazyRoot,
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
        if importlib.util.find_spec(f"openaims.cli.{name}") is None:
            continue
        _register(name, _root)
        _loaded.add(name)
    return _root


def command(application: typer.Typer) -> typer.core.TyperGroup:
    """The command of ``application`` as ``aims`` runs it: with plain ``--help`` (see ``openaims.cli.help``)
    and options converted without pydantic where the result is certain (see ``openaims.cli.params``)."""
    return _prepared(typer.main.get_command(application))  # type: ignore[no-any-return]


def __getattr__(name: str) -> typer.Typer:
    """``openaims.cli.main.app`` is the application with every command."""
    if name == "app":
        return load_commands()
    raise AttributeError(name)


def _modules_for(args: list[str]) -> list[str] | None:
    """Command modules to load before running: none for an indexed command (the root loads it
    when it runs), every module for a name the index does not know yet."""
    command = next((a for a in args if not a.startswith("-")), None)
    if command is None or command in command_index():
        return []
    return None


def entry() -> None:
    """The ``aims`` console script: :func:`main`, started without collecting garbage.

    Importing the libraries a command needs (SQLAlchemy, pydantic, Typer, rich) builds
    hundreds of thousands of long-lived objects, and the collector would walk them again
    and again while they load: a third of a register command's start-up time. So the
    collector is off until the command is loaded, then those objects are frozen out of
    later collections (and out of the last ones at exit) and collection resumes for the
    command's own work.
    """
    _LOADING["without_gc"] = gc.isenabled()
    gc.disable()
    try:
        main()
    finally:
        if _LOADING["without_gc"]:  # the command never loaded (help, version, a usage error)
            _collect_again()
        gc.freeze()  # nothing left to free: the process ends


def main(argv: list[str] | None = None) -> None:
    """Run ``aims`` with ``argv`` (default: the process's arguments); exits with the command's code."""
    args = sys.argv[1:] if argv is None else list(argv)
    _retired_variables()
    application = globals().get("app") or load_commands(_modules_for(args))
    try:
        result = command(application)(args=args, prog_name="aims", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()  # the help text, as with standalone Typer
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
