"""Structured values typed on one line: ``name=Loan applicants; vulnerable=yes; severity=4``.

A value is ``PART=VALUE`` pairs separated by ``;``, each part named at most once. A ``;`` followed
by text that does not start another known part (``harms=Refusals; delays``) stays in the value;
``\\;`` always does, and ``\\\\`` is a backslash. A mapping entry starts with its key and a colon:
``fairness: severity=3; likelihood=2``. :func:`format_parts` writes what :func:`read_parts` reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from openaims.untrusted.interface import InputError, Problem

#: Longest value read (a long harm description fits many times over).
MAX_CHARS = 200_000


def _segments(text: str) -> list[str]:
    """Text split at unescaped ``;``, escapes resolved."""
    out: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in ";\\":
            current.append(text[index + 1])
            index += 2
            continue
        if char == ";":
            out.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    out.append("".join(current))
    return out


def read_parts(text: str, parts: Iterable[str], source: str) -> dict[str, str]:
    """``{part: value}`` from ``PART=VALUE; ...``; :class:`InputError` naming ``source`` when a part is
    unknown, given twice, or the text does not start with a part."""
    if len(text) > MAX_CHARS:
        raise InputError(source, f"is longer than {MAX_CHARS:,} characters", problem=Problem.TOO_LARGE)
    known = tuple(parts)
    starts = re.compile(r"\s*(" + "|".join(re.escape(p) for p in sorted(known, key=len, reverse=True)) + r")\s*=")
    found: dict[str, str] = {}
    last: str | None = None
    for segment in _segments(text):
        if not segment.strip():
            continue  # "a;;b" and a trailing ";"
        match = starts.match(segment) if known else None
        if match is not None:
            name = match.group(1)
            if name in found:
                raise InputError(source, f"{name!r} is given twice")
            found[name] = segment[match.end():]
            last = name
        elif last is not None:
            found[last] += ";" + segment
        else:
            head = segment.split("=", 1)[0].strip() if "=" in segment else segment.strip()
            raise InputError(source, f"{head[:60]!r} is not one of its parts; write PART=VALUE with PART one of: "
                             + ", ".join(known))  # fmt: skip
    return {name: value.strip() for name, value in found.items()}


def read_entry(text: str, keys: Iterable[str], parts: Iterable[str], source: str) -> tuple[str, dict[str, str]]:
    """``(key, {part: value})`` from ``KEY: PART=VALUE; ...``; with ``keys`` empty any key is allowed."""
    allowed = tuple(keys)
    key, colon, rest = text.partition(":")
    key = key.strip()
    if not colon or not key:
        one_of = f" with KEY one of: {', '.join(allowed)}" if allowed else ""
        raise InputError(source, f"write KEY: PART=VALUE; ...{one_of}")
    if allowed and key not in allowed:
        raise InputError(source, f"{key[:60]!r} is not one of: {', '.join(allowed)}")
    return key, read_parts(rest, parts, f"{source} {key}")


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;")


def format_parts(values: Mapping[str, object]) -> str:
    """The one-line form of ``values`` (None and empty values left out)."""
    return "; ".join(f"{name}={_escaped(str(value))}" for name, value in values.items() if value not in (None, ""))


__all__ = ["MAX_CHARS", "format_parts", "read_entry", "read_parts"]
