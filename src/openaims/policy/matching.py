"""Glob patterns as the policy file uses them.

``*`` matches any run of characters (``/`` and ``:`` included), ``?`` one
character, ``[abc]`` one of a set. Matching ignores case, because package,
model and server names are compared as people write them, not byte for byte.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.lower()))


def glob_match(pattern: str, value: str) -> bool:
    """Whether ``value`` matches the glob ``pattern`` (whole string, case-insensitive)."""
    return _compiled(pattern).match(value.lower()) is not None


def first_match(patterns: Iterable[str], values: Iterable[str]) -> str | None:
    """The first pattern that matches any of ``values``, or ``None``."""
    candidates = [v for v in values if v]
    for pattern in patterns:
        if any(glob_match(pattern, value) for value in candidates):
            return pattern
    return None
