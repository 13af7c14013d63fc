"""Options converted without pydantic give exactly what Typer's own converter gives.

``openaims.cli.params`` converts the values whose result is certain itself and hands every
other value to Typer's converter. For every parameter of every command and a spread of
values (valid, invalid, other spellings), both must return the same value or raise the same
error with the same message.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click import Context
from typer._coercion import build_runtime_param

from openaims.cli.main import command, load_commands
from openaims.cli.params import quick_runtime_param

_TEXTS = ["", "0", "7", "-3", "007", "+5", " 5", "1_000", "12345678901234567890123", "abc", "json", "JSON", " table"]


def _commands(cmd: Any) -> Iterator[Any]:
    yield cmd
    for sub in (getattr(cmd, "commands", None) or {}).values():
        yield from _commands(sub)


def _outcome(runtime: Any, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        return "error", (type(exc), message)
    return "value", (type(result), result)


def _values(param: Any, tmp_path: Path) -> list[Any]:
    descriptor = param.type_descriptor
    values: list[Any] = [*_TEXTS, str(tmp_path), str(tmp_path / "missing"), str(tmp_path / "file.txt"), True, False, 3, 2.5]
    for choice in descriptor.choices or ():
        values += [choice, str(getattr(choice, "value", choice)), str(getattr(choice, "value", choice)).upper()]
    if param.default is not None and not callable(param.default):
        values.append(param.default)
    if param.multiple or param.nargs == -1:
        values = [[value] for value in values if isinstance(value, str)] + [["a", "b"], ("7", "x"), []]
    return values


def _parameters() -> Iterator[tuple[Any, Any]]:
    root = command(load_commands())
    for cmd in _commands(root):
        for param in cmd.params:
            if getattr(param, "type_descriptor", None) is not None:
                yield cmd, param


def test_every_parameter_converts_as_typer_does(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    checked = 0
    differences = []
    for cmd, param in _parameters():
        ctx = Context(cmd, info_name=cmd.name)
        quick = quick_runtime_param(param.type_descriptor)
        typers = build_runtime_param(param.type_descriptor)
        for value in _values(param, tmp_path):
            expected = _outcome(typers, value, param, ctx)
            got = _outcome(quick, value, param, ctx)
            checked += 1
            if got != expected:
                differences.append((cmd.name, param.name, value, expected, got))
    assert differences == []
    assert checked > 10000  # every parameter of every command, not an empty walk


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


def _option(annotation: Any, **options: Any) -> tuple[Any, Context]:
    app = typer.Typer()

    def run(value: Any = typer.Option(None, **options)) -> None:
        """Run."""

    run.__annotations__ = {"value": annotation, "return": None}  # the annotation under test
    app.command()(run)

    cmd = typer.main.get_command(app)
    (param,) = [p for p in cmd.params if p.name == "value"]
    return param, Context(cmd, info_name="run")


@pytest.mark.parametrize(
    ("annotation", "options", "value"),
    [
        (int, {"min": 1, "max": 5}, "0"),
        (int, {"min": 1, "max": 5}, "3"),
        (int, {"min": 1, "max": 5, "clamp": True}, "9"),
        (float, {}, "1.5"),
        (Colour, {"case_sensitive": False}, "RED"),
        (Colour, {}, "RED"),
        (Path, {"exists": True}, "/nonexistent/aims"),
        (Path, {"exists": True, "dir_okay": False}, "/"),
        (Path, {"resolve_path": True}, "."),
        (list[int], {}, ["1", "x"]),
        (list[Colour], {}, ["red", "green"]),
        (bool, {}, "yes"),
    ],
)
def test_constrained_options_convert_as_typer_does(annotation: Any, options: dict[str, Any], value: Any) -> None:
    param, ctx = _option(annotation, **options)

    expected = _outcome(build_runtime_param(param.type_descriptor), value, param, ctx)
    assert _outcome(quick_runtime_param(param.type_descriptor), value, param, ctx) == expected
