"""Matching a relative path against many location globs in one regex search.

A glob such as ``.cursor/mcp.json`` or ``.claude/skills/*/SKILL.md`` matches a
path when it matches the whole path or any suffix of it that starts right after
a ``/`` (so every location applies at any depth). ``*`` follows
:func:`fnmatch.fnmatchcase` and also crosses ``/``. All globs are folded into
one compiled pattern, so a lookup costs one regex search whatever the number of
globs, which matters because detectors' ``wants`` runs for every file of a tree.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence


class SuffixGlobs:
    """A list of globs; :meth:`first` is the index of the first glob matching
    the longest suffix of a path (the whole path first, then shorter ones)."""

    def __init__(self, globs: Sequence[str]) -> None:
        self.globs = tuple(globs)
        parts = []
        for index, glob in enumerate(self.globs):
            body = fnmatch.translate(glob)
            body = body.removesuffix(r"\Z")
            parts.append(f"(?P<_loc{index}>{body})")
        self._pattern = re.compile(r"(?:^|(?<=/))(?:" + "|".join(parts) + r")\Z") if parts else None
        # the last path component of each glob, to reject most files cheaply
        names = sorted({fnmatch.translate(g.rsplit("/", 1)[-1]) for g in self.globs})
        self._names = re.compile("|".join(names)) if names else None

    def first(self, path: str) -> int | None:
        """Index of the matching glob, or None."""
        if self._pattern is None or self._names is None:
            return None
        if self._names.match(path.rpartition("/")[2]) is None:
            return None
        match = self._pattern.search(path)
        if match is None or match.lastgroup is None:
            return None
        return int(match.lastgroup.removeprefix("_loc"))
