"""Depth and size of data already built (by a parser that has no bounds of its own)."""

from __future__ import annotations

from typing import Any

from openaims.untrusted.interface import Limits, Problem


def check_shape(value: Any, limits: Limits) -> Problem | None:
    """``TOO_DEEP`` or ``TOO_MANY`` when ``value`` (lists and dicts of values) nests deeper
    than ``limits.max_depth`` or holds more than ``limits.max_elements`` values; else None.

    Walks with an explicit stack, so it is safe on data of any depth.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if count > limits.max_elements:
            return Problem.TOO_MANY
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list | tuple):
            children = current
        else:
            continue
        if depth >= limits.max_depth:  # the root collection is level 1
            return Problem.TOO_DEEP
        stack.extend((child, depth + 1) for child in children)
    return None


def text_problem(value: Any) -> str | None:
    """What makes a string in ``value`` (keys too) unstorable as database text: a NUL
    character (PostgreSQL refuses it) or half of a surrogate pair (not encodable as
    UTF-8); None when there is nothing."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if "\0" in current:
                return "contains a NUL character"
            try:
                current.encode("utf-8")
            except UnicodeEncodeError:
                return "contains half of a surrogate pair, which is not text"
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return None
