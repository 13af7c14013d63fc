"""JSON as editors write it: with ``//`` and ``/* */`` comments and trailing commas (VS Code,
Claude, Cursor and Zed settings), and JSON5 for small files; read within the same bounds
and with the same refusals (duplicate keys included) as :func:`read_json`."""

from __future__ import annotations

import math
import re
from typing import Any

from openaims.untrusted.interface import DEFAULT_LIMITS, InputError, Limits, Problem
from openaims.untrusted.json_reader import read_json
from openaims.untrusted.shape import check_shape
from openaims.untrusted.source import text_of

#: Largest document tried as JSON5 (its parser is pure Python and recursive).
MAX_JSON5_CHARS = 32 * 1024


def read_jsonc(data: str | bytes, source: str = "<json>", *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The value of a JSON document that may hold comments and trailing commas (or, up to
    :data:`MAX_JSON5_CHARS`, be JSON5); :class:`InputError` as :func:`read_json` otherwise."""
    text = text_of(data, source, limits)
    try:
        return read_json(text, source, limits=limits)
    except InputError as exc:
        if exc.problem is not Problem.SYNTAX:
            raise
        first = exc
    stripped = strip_jsonc(text)
    if stripped is not None:
        try:
            return read_json(stripped, source, limits=limits)
        except InputError as exc:
            if exc.problem is not Problem.SYNTAX:
                raise
            first = exc
    if len(text) > MAX_JSON5_CHARS:
        raise first
    return _json5(text, source, limits, first)


def _json5(text: str, source: str, limits: Limits, fallback: InputError) -> Any:
    import json5

    try:
        value = json5.loads(text, allow_duplicate_keys=False)
    except ValueError as exc:
        if "Duplicate key" in str(exc):
            raise InputError(source, f"duplicate key: {exc}", problem=Problem.DUPLICATE_KEY) from None
        raise fallback from None
    except (TypeError, RecursionError, IndexError, KeyError, AttributeError):
        raise fallback from None
    problem = check_shape(value, limits)
    if problem is Problem.TOO_DEEP:
        raise InputError(source, f"nested deeper than {limits.max_depth} levels", problem=problem)
    if problem is Problem.TOO_MANY:
        raise InputError(source, f"holds more than {limits.max_elements} values", problem=problem)
    reason = _number_problem(value)
    if reason is not None:
        raise InputError(source, f"not valid JSON: {reason}")
    return value


#: Python refuses to print whole numbers longer than this (a hexadecimal JSON5 literal is not
#: stopped when read, but printing or storing it would fail later).
_MAX_DIGITS = 4300


def _too_long(number: int) -> bool:
    if number.bit_length() < 14_000:  # under 4,215 decimal digits
        return False
    try:
        str(number)
    except ValueError:
        return True
    return False


def _number_problem(value: Any) -> str | None:
    """Why a number in ``value`` is refused (not finite, or too long to print), or None."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, float) and not math.isfinite(current):
            return "NaN and Infinity are not JSON numbers"
        if isinstance(current, int) and _too_long(current):
            return f"a whole number with more than {_MAX_DIGITS} digits"
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return None


_STRING_OR_COMMENT = re.compile(r'["/]')
_STRING_OR_COMMA = re.compile(r'[",]')
_SPACE = re.compile(r"\s*")


def _string_end(text: str, start: int) -> int | None:
    """Index just past the string literal opening at ``start``."""
    pos = start + 1
    while True:
        quote = text.find('"', pos)
        if quote == -1:
            return None
        backslashes = 0
        back = quote - 1
        while back > start and text[back] == "\\":
            backslashes += 1
            back -= 1
        if backslashes % 2 == 0:
            return quote + 1
        pos = quote + 1


def strip_jsonc(text: str) -> str | None:
    """``text`` without ``//`` and ``/* */`` comments and trailing commas (in
    linear time, strings left untouched); None when a string or comment is
    not terminated."""
    out: list[str] = []
    pos = 0
    while True:
        match = _STRING_OR_COMMENT.search(text, pos)
        if match is None:
            out.append(text[pos:])
            break
        at = match.start()
        out.append(text[pos:at])
        if text[at] == '"':
            end = _string_end(text, at)
            if end is None:
                return None
            out.append(text[at:end])
            pos = end
        elif text.startswith("//", at):
            newline = text.find("\n", at)
            pos = len(text) if newline == -1 else newline
        elif text.startswith("/*", at):
            close = text.find("*/", at + 2)
            if close == -1:
                return None
            out.append(" " + "\n" * text.count("\n", at, close))  # keep line numbers
            pos = close + 2
        else:
            out.append("/")
            pos = at + 1
    uncommented = "".join(out)
    out = []
    pos = 0
    while True:
        match = _STRING_OR_COMMA.search(uncommented, pos)
        if match is None:
            out.append(uncommented[pos:])
            break
        at = match.start()
        out.append(uncommented[pos:at])
        if uncommented[at] == '"':
            end = _string_end(uncommented, at)
            if end is None:
                return None
            out.append(uncommented[at:end])
            pos = end
        else:
            after = _SPACE.match(uncommented, at + 1)
            following = after.end() if after else at + 1
            if following >= len(uncommented) or uncommented[following] not in "}]":
                out.append(",")
            pos = at + 1
    return "".join(out)
