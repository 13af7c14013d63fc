"""``--help`` as plain columns with plain metavars.

Typer's boxed help squeezes descriptions into a narrow column at 80 columns (cutting
environment variable names) and names value types as Python does (``<str>``,
``<list[str]>``). :func:`plain_help` turns every command under a root into Click's
two-column help, which wraps at spaces, with the metavars people know: ``TEXT``,
``INTEGER``, ``PATH``, ``FILE``, ``DIR``, ``DATE`` or the list of choices
(``[table|json]``); flags take no value and show none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any, get_args, get_origin

_WORDS: dict[Any, str] = {str: "TEXT", int: "INTEGER", float: "NUMBER", bool: "BOOLEAN", dt.datetime: "DATE"}
_PATHS = {"file": "FILE", "dir": "DIR"}
#: Longest list of choices shown as the metavar (longer ones would not fit at 80 columns).
_LONGEST_CHOICES = 48


def metavar(param: Any) -> str | None:
    """The plain metavar of a Typer parameter, or None when Typer gives no type."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return None
    if desc.is_choice:
        listed = "[" + "|".join(str(getattr(choice, "value", choice)) for choice in desc.choices or ()) + "]"
        return listed if len(listed) <= _LONGEST_CHOICES else "CHOICE"
    annotation = desc.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation) or (str,)
    if desc.is_path or (isinstance(annotation, type) and issubclass(annotation, PurePath)):
        return _PATHS.get(desc.path_type, "PATH")
    return _WORDS.get(annotation, "TEXT")


def _commands(command: Any) -> Iterator[Any]:
    yield command
    for sub in (getattr(command, "commands", None) or {}).values():
        yield from _commands(sub)


def plain_help(command: Any) -> Any:
    """``command`` and every command under it with plain help (see the module); returns ``command``."""
    for each in _commands(command):
        if hasattr(each, "rich_markup_mode"):
            each.rich_markup_mode = None
        for param in each.params:
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                continue
            if param.param_type_name == "argument":
                if param.metavar is None:
                    param.metavar = (param.name or "value").upper().replace("_", "-")
                # The name is the metavar; Typer would add its type after it.
                param.display_type_rich = _no_type
            elif param.metavar is None:
                param.metavar = metavar(param)
    return command


def _no_type(ctx: object) -> None:
    return None
