"""Glob patterns as the policy file uses them.

``*`` matches any run of characters (``/`` and ``:`` included), ``?`` one
character, ``[abc]`` one of a set. Matching ignores case, because package,
model and server names are compared as people write them, not byte for byte.
Patterns are compiled by :mod:`openaims.discovery.globs`, which bounds the time a
match takes whatever the pattern (a policy file comes with the change it judges).
"""

from __future__ import annotations

from collections.abc import Iterable

from openaims.discovery import globs


def glob_match(pattern: str, value: str) -> bool:
    """Whether ``value`` matches the glob ``pattern`` (whole string, case-insensitive)."""
    return globs.glob_match(pattern.lower(), value.lower())


def first_match(patterns: Iterable[str], values: Iterable[str]) -> str | None:
    """The first pattern that matches any of ``values``, or ``None``."""
    candidates = [v for v in values if v]
    for pattern in patterns:
        if any(glob_match(pattern, value) for value in candidates):
            return pattern
    return None
