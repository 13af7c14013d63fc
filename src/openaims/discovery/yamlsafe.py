"""YAML from scanned trees: composed with line marks, never constructed into
arbitrary objects, and never allowed to crash or stall the scanner.

libyaml's loader is several times faster than PyYAML's pure-Python one, but it
composes nested collections recursively in C, so a hostile file nested deeply
enough (``[[[[...`` or ``- - - - ...``) overflows the C stack and kills the
process; the pure-Python loader survives (RecursionError) but slows down
quadratically on such input. So a document whose nesting *could* exceed
:data:`MAX_DEPTH` (a cheap, conservative bound over brackets and leading
indentation and dashes) is not parsed at all: no real pipeline or client
configuration comes near that depth.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

#: Deepest nesting (bound) of a document that is parsed at all.
MAX_DEPTH = 500

_C_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
_BRACKETS = re.compile(r"[\[\]{}]")
_ERRORS = (yaml.YAMLError, RecursionError, ValueError, TypeError, MemoryError)


def nesting_bound(text: str, stop_above: int | None = None) -> int:
    """An upper bound on the nesting depth of a YAML document (counting stops
    early once it exceeds ``stop_above``)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    return deepest
        elif depth:
            depth -= 1
    block = max((len(line) - len(line.lstrip(" -")) for line in text.splitlines()), default=0)
    return deepest + block


def loader_for(text: str) -> type[yaml.SafeLoader] | None:
    """libyaml's safe loader when available, else PyYAML's; None when the
    document may be nested deeper than :data:`MAX_DEPTH`."""
    if nesting_bound(text, MAX_DEPTH) > MAX_DEPTH:
        return None
    return _C_LOADER or yaml.SafeLoader


def compose(text: str) -> yaml.Node | None:
    """The node tree of the first document (with line marks), or None."""
    loader = loader_for(text)
    if loader is None:
        return None
    try:
        return yaml.compose(text, Loader=loader)
    except _ERRORS:
        return None


def load(text: str) -> Any:
    """The first document as plain data (safe loader), or None."""
    loader = loader_for(text)
    if loader is None:
        return None
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - always a safe loader
    except _ERRORS:
        return None
