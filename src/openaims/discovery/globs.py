"""Glob patterns compiled to regular expressions that cannot backtrack badly.

A glob such as ``a*a*a*b`` translated naively (``a.*a.*a.*b``) makes a
backtracking regex engine try every way of splitting the text between the stars:
time grows as the text length to the power of the number of stars, and a
hostile ``.gitignore`` or policy file stalls the scan. Here the text between two
stars is matched at its *leftmost* occurrence inside an atomic group
(``(?>.*?piece)``), which is always a right choice for a glob whose pieces have a
fixed length, so nothing is ever retried: matching costs at most the length of
the text times the length of the pattern. Runs of stars collapse to one, and
patterns are capped in length.

Two dialects:

- :func:`compile_glob`: ``*`` matches any run of characters (``/`` included),
  ``?`` one character, ``[...]`` a set, like :func:`fnmatch.fnmatchcase`; used
  by the policy file.
- :func:`segment_regex`: one path segment of a git wildmatch pattern: ``*`` and
  ``?`` never match ``/``, sets never match ``/``, ``[!...]``/``[^...]`` negate,
  ``[:alpha:]``-style classes, ``\\`` escapes; used by :mod:`openaims.discovery.gitignore`.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Longest pattern compiled.
MAX_PATTERN_CHARS = 1024


class GlobError(ValueError):
    """A pattern that cannot be compiled (too long, or not a valid glob); the message says why."""


_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def _bracket(pattern: str, start: int, *, git: bool) -> tuple[str, int] | None:
    """The regex set for the bracket expression at ``pattern[start] == '['`` and the
    index after it, or None when it is not closed."""
    i = start + 1
    end = len(pattern)
    negate = False
    if i < end and (pattern[i] == "!" or (git and pattern[i] == "^")):
        negate = True
        i += 1
    items: list[str] = []
    first = True
    while i < end:
        char = pattern[i]
        if char == "]" and not first:
            body = "".join(items)
            if git:
                # a set never matches "/" in a path (wildmatch with WM_PATHNAME)
                return (f"[^/{body}]" if negate else f"(?:(?!/)[{body}])" if body else "(?!)"), i + 1
            return (f"[^{body}]" if negate else f"[{body}]" if body else "(?!)"), i + 1
        first = False
        if git and char == "[" and pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close >= 0 and pattern[i + 2 : close] in _POSIX_CLASSES:
                items.append(_POSIX_CLASSES[pattern[i + 2 : close]])
                i = close + 2
                continue
        if git and char == "\\" and i + 1 < end:
            i += 1
            char = pattern[i]
        if i + 2 < end and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            high_at = i + 2
            if git and pattern[high_at] == "\\" and high_at + 1 < end:
                high_at += 1
            low, high = char, pattern[high_at]
            if low <= high:
                items.append(f"{re.escape(low)}-{re.escape(high)}")
            i = high_at + 1
            continue
        items.append(re.escape(char))
        i += 1
    return None


def _pieces(pattern: str, *, git: bool) -> list[str] | None:
    """The pattern split at its stars into regex pieces (``None``: an unclosed set in git mode)."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    end = len(pattern)
    any_char = "[^/]" if git else "."
    while i < end:
        char = pattern[i]
        if char == "*":
            pieces.append("".join(current))
            current = []
            while i < end and pattern[i] == "*":
                i += 1
            continue
        if char == "?":
            current.append(any_char)
        elif char == "[":
            found = _bracket(pattern, i, git=git)
            if found is None:
                if git:
                    return None
                current.append(re.escape(char))
            else:
                current.append(found[0])
                i = found[1]
                continue
        elif git and char == "\\":
            if i + 1 >= end:
                return None
            i += 1
            current.append(re.escape(pattern[i]))
        else:
            current.append(re.escape(char))
        i += 1
    pieces.append("".join(current))
    return pieces


def _join(pieces: list[str], any_run: str) -> str:
    """``P0 * P1 * ... * Pk`` as a regex that never backtracks over a star: middle pieces
    at their leftmost occurrence in an atomic group, the last piece greedy."""
    if len(pieces) == 1:
        return pieces[0]
    middle = "".join(f"(?>{any_run}*?{piece})" for piece in pieces[1:-1] if piece)
    return f"{pieces[0]}{middle}{any_run}*{pieces[-1]}"


def segment_regex(glob: str) -> str | None:
    """Regex for one path segment of a git wildmatch pattern (no ``/`` in it), or
    None when git would discard the pattern (an unclosed ``[``, a trailing ``\\``)."""
    pieces = _pieces(glob, git=True)
    if pieces is None:
        return None
    return _join(pieces, "[^/]")


@lru_cache(maxsize=4096)
def compile_glob(pattern: str, *, ignore_case: bool = True) -> re.Pattern[str]:
    """A whole-string matcher for an fnmatch-style glob (``*`` crosses ``/``).

    Raises :class:`GlobError` for a pattern over :data:`MAX_PATTERN_CHARS`."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise GlobError(f"pattern of {len(pattern)} characters is longer than {MAX_PATTERN_CHARS}")
    pieces = _pieces(pattern, git=False)
    assert pieces is not None  # only git mode refuses a pattern
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(rf"\A(?:{_join(pieces, '.')})\Z", flags)


def glob_match(pattern: str, value: str, *, ignore_case: bool = True) -> bool:
    """Whether ``value`` matches the glob ``pattern`` as a whole; a pattern that cannot
    be compiled matches nothing."""
    try:
        compiled = compile_glob(pattern, ignore_case=ignore_case)
    except GlobError:
        return False
    return compiled.match(value) is not None
