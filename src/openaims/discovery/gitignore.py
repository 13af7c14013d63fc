"""``.gitignore`` patterns, matched in bounded time.

Each line is parsed as git does (comments, ``!`` negation, ``\\`` escapes,
trailing spaces, a trailing ``/`` for directories only, a ``/`` at the start or
in the middle anchoring the pattern to the ignore file's directory, ``**``
segments) and split at ``/`` into segments. A segment glob is one regex from
:func:`openaims.discovery.globs.segment_regex`, which never backtracks over a
star; ``**`` segments are matched segment by segment, placing each run of
fixed segments at its leftmost possible position, so a path is judged in time
proportional to its segments times the pattern's, never exponential.

Bounds: a pattern longer than :data:`MAX_PATTERN_CHARS`, or with more than
:data:`MAX_DOUBLE_STARS` ``**`` segments after collapsing repeats (``**/**`` is
``**``), is skipped and reported (:attr:`IgnoreFile.skipped`), never compiled.

Results follow ``pathspec.GitIgnoreSpec``, which the walk used before (the last
pattern matching the path itself wins; a pattern that matches it only as a
directory or through a parent directory yields to one that does), so the walk's
decisions are unchanged; a differential property test keeps it so. One
deliberate difference: ``*`` and ``**`` match a directory like any other
pattern, so ``!build/`` after ``*`` re-includes the directory as git does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openaims.discovery.globs import segment_regex

#: Longest ignore pattern compiled; longer ones are skipped and reported.
MAX_PATTERN_CHARS = 1024
#: Most ``**`` segments in one pattern (after collapsing ``**/**``).
MAX_DOUBLE_STARS = 16
#: Most patterns read from one ignore file.
MAX_PATTERNS = 10_000
#: Most key regexes joined into one alternation (more are tried one by one).
MAX_COMBINED_KEYS = 256
#: Most path segments whose candidate patterns one ignore file remembers.
MAX_CACHED_SEGMENTS = 65_536

_ANY = "**"


@dataclass(frozen=True, slots=True)
class SkippedPattern:
    """An ignore-file line that was not used, and why."""

    line: int
    reason: str


class _Segment:
    """One segment glob: a literal compared directly, or a compiled regex."""

    __slots__ = ("glob", "literal", "regex")

    def __init__(self, glob: str, regex: str) -> None:
        self.glob = glob
        self.literal: str | None = glob if re.escape(glob) == regex else None
        self.regex = None if self.literal is not None else re.compile(regex, re.DOTALL)

    def matches(self, segment: str) -> bool:
        if self.literal is not None:
            return segment == self.literal
        assert self.regex is not None
        return self.regex.fullmatch(segment) is not None


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A compiled ignore pattern: runs of segment globs separated by ``**``."""

    #: Whether a match ignores the path (False: a ``!`` pattern re-includes it).
    ignore: bool
    #: Only directories (the pattern ended with ``/``).
    dir_only: bool
    #: The first run must start at the first segment (no leading ``**``).
    anchored: bool
    #: Runs of segment globs; between two runs, ``**`` (zero or more segments).
    runs: tuple[tuple[_Segment, ...], ...]
    #: Ends with ``/**`` (everything inside).
    inside: bool
    #: ``**`` and ``*`` match every path, ``**/`` and ``*/`` every directory and what is inside one.
    everything: bool = False
    any_directory: bool = False

    def priority(self, segments: Sequence[str], is_dir: bool) -> int:
        """0: no match; 1: matched through a parent directory (or as a directory);
        2: matched the path itself."""
        count = len(segments)
        if self.everything:
            return (1 if is_dir else 2) if count else 0
        if self.any_directory:
            return 1 if count > 1 or (is_dir and count) else 0
        if self.inside:
            # "dir/**": every path strictly inside (and the directory given as "dir/")
            ends = self._prefix_ends(segments)
            ok = any(end < count or (is_dir and end == count) for end in ends)
            return (1 if self.dir_only else 2) if ok else 0
        ends = self._prefix_ends(segments)
        if not ends:
            return 0
        if count in ends and not is_dir and not self.dir_only:
            return 2
        if any(end < count for end in ends) or (is_dir and count in ends):
            return 1
        return 0

    def _prefix_ends(self, segments: Sequence[str]) -> set[int]:
        """Every ``n`` such that the pattern matches ``segments[:n]`` exactly."""
        runs = self.runs
        count = len(segments)
        if not runs:
            return set()
        # runs before the last: each at its leftmost position (a right choice for
        # fixed-length runs between "**"); the last run: every position it fits
        position = 0
        for index, run in enumerate(runs[:-1]):
            fixed = index == 0 and self.anchored
            found = self._place(run, segments, position, fixed)
            if found is None:
                return set()
            position = found + len(run)
        last = runs[-1]
        width = len(last)
        if len(runs) == 1 and self.anchored:
            starts: Iterable[int] = (0,)
        else:
            starts = range(position, count - width + 1)
        ends = set()
        for start in starts:
            if start + width <= count and all(seg.matches(segments[start + i]) for i, seg in enumerate(last)):
                ends.add(start + width)
        return ends

    @staticmethod
    def _place(run: tuple[_Segment, ...], segments: Sequence[str], start: int, fixed: bool) -> int | None:
        width = len(run)
        last_start = start if fixed else len(segments) - width
        for at in range(start, last_start + 1):
            if at + width <= len(segments) and all(seg.matches(segments[at + i]) for i, seg in enumerate(run)):
                return at
        return None


def compile_line(line: str) -> _Pattern | str | None:
    """A pattern, None for a line that is not one (blank, comment, invalid as git sees it),
    or a string saying why a pattern is skipped (over a bound)."""
    if len(line) > MAX_PATTERN_CHARS:
        return f"pattern of {len(line)} characters is longer than {MAX_PATTERN_CHARS}"
    text = line if line.endswith("\\ ") else line.rstrip()
    if not text or text.startswith("#") or text == "/":
        return None
    ignore = True
    if text.startswith("!"):
        ignore = False
        text = text[1:]
    segments = text.split("/")
    dir_only = not segments[-1]
    if not segments[0]:
        del segments[0]
    elif (len(segments) == 1 or (len(segments) == 2 and not segments[1])) and segments[0] != _ANY:
        segments.insert(0, _ANY)
    if not segments:
        return None
    if not segments[-1]:
        segments[-1] = _ANY
    collapsed: list[str] = []
    for segment in segments:
        if segment == _ANY and collapsed and collapsed[-1] == _ANY:
            continue
        collapsed.append(segment)
    stars = collapsed.count(_ANY)
    if stars > MAX_DOUBLE_STARS:
        return f"pattern with {stars} '**' segments is over the {MAX_DOUBLE_STARS} matched"
    if collapsed == [_ANY]:
        return _Pattern(ignore, dir_only, True, (), False, everything=not dir_only, any_directory=dir_only)
    if collapsed == [_ANY, "*"]:
        return _Pattern(ignore, dir_only, True, (), False, everything=True)
    if collapsed == [_ANY, "*", _ANY]:
        return _Pattern(ignore, dir_only, True, (), False, any_directory=True)
    if any(not segment for segment in collapsed):
        return None  # "a//b": git never matches an empty segment
    anchored = collapsed[0] != _ANY
    inside = collapsed[-1] == _ANY
    body = collapsed[(0 if anchored else 1) : (-1 if inside else None)]
    runs: list[list[_Segment]] = [[]]
    for segment in body:
        if segment == _ANY:
            runs.append([])
            continue
        regex = "[^/]+" if segment == "*" else segment_regex(segment)
        if regex is None:
            return None  # git discards a pattern with an unclosed "[" or a trailing "\"
        runs[-1].append(_Segment(segment, regex))
    return _Pattern(ignore, dir_only, anchored, tuple(tuple(run) for run in runs), inside)


class IgnoreFile:
    """The patterns of one ignore file; :meth:`check` says whether a path is ignored.

    Most patterns end in a literal name (``node_modules``) or ``*`` and a literal
    suffix (``*.pyc``); they are indexed by it, so a path is only compared with the
    patterns whose last segment could match one of its segments."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.patterns: list[_Pattern] = []
        #: Lines not used because they are over a bound (line numbers are 1-based).
        self.skipped: list[SkippedPattern] = []
        for number, line in enumerate(lines, start=1):
            if len(self.patterns) >= MAX_PATTERNS:
                self.skipped.append(SkippedPattern(number, f"more than {MAX_PATTERNS} patterns in the file"))
                break
            compiled = compile_line(line)
            if isinstance(compiled, str):
                self.skipped.append(SkippedPattern(number, compiled))
            elif compiled is not None:
                self.patterns.append(compiled)
        self._by_name: dict[str, list[int]] = {}
        self._by_suffix: dict[str, list[int]] = {}
        self._by_regex: list[tuple[re.Pattern[str], int]] = []
        self._always: list[int] = []
        for index, pattern in enumerate(self.patterns):
            key = _index_key(pattern)
            if key is None:
                self._always.append(index)
            elif isinstance(key, _Segment):
                assert key.regex is not None
                self._by_regex.append((key.regex, index))
            elif key[0] == "name":
                self._by_name.setdefault(key[1], []).append(index)
            else:
                self._by_suffix.setdefault(key[1], []).append(index)
        self._suffixes = tuple(self._by_suffix.items())
        self._suffix_ends = tuple(self._by_suffix)
        # One alternation says whether any key regex matches a segment at all (most
        # segments match none); past a bound of keys each regex is tried alone.
        self._any_regex: re.Pattern[str] | None = None
        if 0 < len(self._by_regex) <= MAX_COMBINED_KEYS:
            self._any_regex = re.compile("|".join(f"(?:{regex.pattern})" for regex, _ in self._by_regex), re.DOTALL)
        #: Patterns whose key segment glob matches a segment, by segment (bounded).
        self._segment_hits: dict[str, tuple[int, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def _hits(self, segment: str) -> tuple[int, ...]:
        """The patterns whose key segment glob matches ``segment``."""
        cached = self._segment_hits.get(segment)
        if cached is not None:
            return cached
        found: list[int] = list(self._by_name.get(segment, ()))
        if self._suffix_ends and segment.endswith(self._suffix_ends):
            for suffix, indices in self._suffixes:
                if segment.endswith(suffix):
                    found.extend(indices)
        if self._by_regex and (self._any_regex is None or self._any_regex.fullmatch(segment) is not None):
            found.extend(index for regex, index in self._by_regex if regex.fullmatch(segment) is not None)
        hits = tuple(found)
        if len(self._segment_hits) >= MAX_CACHED_SEGMENTS:
            self._segment_hits.clear()
        self._segment_hits[segment] = hits
        return hits

    def _candidates(self, segments: list[str]) -> list[int]:
        found = set(self._always)
        for segment in segments:
            found.update(self._hits(segment))
        return sorted(found, reverse=True)

    def check(self, path: str) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matches.

        ``path`` is relative to the ignore file's directory, ``/``-separated; a
        directory ends with ``/``."""
        is_dir = path.endswith("/")
        segments = [part for part in path.split("/") if part]
        through_parent: bool | None = None
        patterns = self.patterns
        # the last pattern matching the path itself wins; failing that, the last one
        # matching it only as (or through) a directory (pathspec.GitIgnoreSpec's order)
        for index in self._candidates(segments):
            pattern = patterns[index]
            priority = pattern.priority(segments, is_dir)
            if priority == 2:
                return pattern.ignore
            if priority == 1 and through_parent is None:
                through_parent = pattern.ignore
        return through_parent


def _index_key(pattern: _Pattern) -> tuple[str, str] | _Segment | None:
    """A segment glob of the pattern that some segment of every path it matches must
    match: ``("name", n)`` for a literal, ``("suffix", s)`` for ``*s``, else the
    segment itself (a regex); None when every segment is ``*`` (or there is none).
    Each segment glob of a pattern is placed on a segment of the path it matches,
    so any of them will do: the most selective is taken (a literal, then a suffix,
    then a regex other than ``*``)."""
    if pattern.everything or pattern.any_directory:
        return None
    suffix: str | None = None
    regex: _Segment | None = None
    for run in reversed(pattern.runs):
        for segment in reversed(run):
            if segment.literal is not None:
                return ("name", segment.literal)
            glob = segment.glob
            if suffix is None and glob.startswith("*") and len(glob) > 1:
                tail = glob.lstrip("*")
                if tail and not any(char in tail for char in "*?[\\"):
                    suffix = tail
            if regex is None and glob != "*" and segment.regex is not None:
                regex = segment
    if suffix is not None:
        return ("suffix", suffix)
    return regex
