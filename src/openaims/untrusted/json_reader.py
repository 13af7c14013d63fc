"""JSON from untrusted files: the standard parser (C), then bounds on what it built.

JSON has no aliases, so what it builds is proportional to its text: the size
bound is checked first, the parser's own recursion guard catches documents nested
thousands of levels deep, and a walk over the result (skipped when a count of
brackets and commas already proves it small) enforces the depth and element
bounds. Duplicate keys, ``NaN`` and ``Infinity`` are refused; the line of a
duplicate key or of the first level too deep is found by a second pass over the
text, run only when there is something to report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from openaims.untrusted.interface import DEFAULT_LIMITS, InputError, Limits, Problem
from openaims.untrusted.shape import check_shape
from openaims.untrusted.source import text_of


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return mapping


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_json(data: str | bytes, source: str = "<json>", *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The value of a JSON document within ``limits``; :class:`InputError` (one line, with the
    line number when there is one) for anything else."""
    text = text_of(data, source, limits)
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except _DuplicateKeyError as exc:
        first, line = _duplicate_lines(text, exc.key)
        raise InputError(
            source, f"duplicate key {exc.key!r} (first at line {first})", line=line, problem=Problem.DUPLICATE_KEY
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(source, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise _too_deep(text, source, limits) from None
    except ValueError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "a value that cannot be read"
        if "integer string conversion" in reason:
            reason = "a whole number with more than 4300 digits"
        raise InputError(source, f"not valid JSON: {reason}") from None
    if _SURROGATE.search(text) and not _encodable(value):
        raise InputError(source, "not valid JSON: a \\u escape that is half of a character (a lone surrogate)")
    brackets = text.count("[") + text.count("{")
    if brackets > limits.max_depth or 2 * brackets + text.count(",") + 1 > limits.max_elements:
        problem = check_shape(value, limits)
        if problem is Problem.TOO_DEEP:
            raise _too_deep(text, source, limits)
        if problem is Problem.TOO_MANY:
            raise InputError(source, f"holds more than {limits.max_elements} values", problem=Problem.TOO_MANY)
    return value


_SURROGATE = re.compile(r"\\u[dD][89abAB]")


def _encodable(value: Any) -> bool:
    """Whether every string in ``value`` (keys too) can be written as UTF-8: JSON escapes
    can spell half of a surrogate pair, which Python keeps but cannot encode."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            try:
                current.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return True


def _too_deep(text: str, source: str, limits: Limits) -> InputError:
    line = next((line for line, depth, _ in _tokens(text) if depth > limits.max_depth), None)
    return InputError(source, f"nested deeper than {limits.max_depth} levels", line=line, problem=Problem.TOO_DEEP)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:\n]')


def _tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, depth, token) of each string, bracket and colon of a JSON text."""
    line, depth = 1, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
            continue
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
        yield line, depth, token


def _duplicate_lines(text: str, wanted: str) -> tuple[int | None, int | None]:
    """Lines of the first and second occurrence of ``wanted`` as a key of one object."""
    frames: list[dict[str, int] | None] = []  # keys seen in each open object (None: an array)
    last: tuple[int, str] | None = None
    for line, _depth, token in _tokens(text):
        if token == "{":
            frames.append({})
        elif token == "[":
            frames.append(None)
        elif token in "]}":
            if frames:
                frames.pop()
        elif token == ":" and last is not None and frames and frames[-1] is not None:
            key = json.loads(last[1])
            keys = frames[-1]
            if key == wanted and key in keys:
                return keys[key], last[0]
            keys.setdefault(key, last[0])
        last = (line, token) if token.startswith('"') else None
    return None, None  # pragma: no cover - the parser found one
