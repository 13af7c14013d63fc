"""TOML from untrusted files: the standard parser, with size, depth and element bounds.

TOML forbids defining a key or table twice and ``tomllib`` refuses it with a
position; that refusal is reported as a duplicate key with its line.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from openaims.untrusted.interface import DEFAULT_LIMITS, InputError, Limits, Problem
from openaims.untrusted.shape import check_shape
from openaims.untrusted.source import text_of

_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")
_DUPLICATE = ("Cannot overwrite", "Cannot declare", "Cannot mutate")


def read_toml(data: str | bytes, source: str = "<toml>", *, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The table of a TOML document within ``limits``; :class:`InputError` otherwise."""
    text = text_of(data, source, limits)
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _AT.search(message)
        reason = message[: match.start()] if match else message
        line: int | None = None
        if match:
            line = int(match.group(1)) if match.group(1) else text.rstrip("\n").count("\n") + 1
        if reason.startswith(_DUPLICATE):
            raise InputError(
                source, f"duplicate key: {reason} (TOML allows each key once)", line=line, problem=Problem.DUPLICATE_KEY
            ) from None
        raise InputError(source, f"not valid TOML: {reason}", line=line) from None
    except RecursionError:
        raise InputError(source, f"nested deeper than {limits.max_depth} levels", problem=Problem.TOO_DEEP) from None
    except ValueError as exc:  # a number too long to convert, for one
        reason = str(exc).splitlines()[0] if str(exc) else "a value that cannot be read"
        if "integer string conversion" in reason:
            reason = "a whole number with more than 4300 digits"
        raise InputError(source, f"not valid TOML: {reason}") from None
    problem = check_shape(value, limits)
    if problem is Problem.TOO_DEEP:
        raise InputError(source, f"nested deeper than {limits.max_depth} levels", problem=problem)
    if problem is Problem.TOO_MANY:
        raise InputError(source, f"holds more than {limits.max_elements} values", problem=problem)
    return value
