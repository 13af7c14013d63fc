"""Walk a scanned tree: a stream of the regular files worth looking at.

The walk respects ``.gitignore`` files at every level (git's wildmatch rules,
negation included, a deeper file overriding a shallower one), the repository's
``.git/info/exclude`` and the ``.gitignore`` files of the enclosing repository
when a subdirectory of a work tree is scanned. It skips ``.git`` always and
vendored or build directories unless asked not to, never follows a symlink out
of the root, never descends a symlinked directory and stops at a bounded depth.

It is a generator: memory stays flat however large the tree is (one directory
listing per level of the current path, plus the ignore files on that path).
"""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openaims.discovery.gitignore import IgnoreFile

#: Directories never descended (version-control metadata).
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", ".bzr"})

#: Vendored, dependency, cache and build directories skipped unless ``include_vendored``.
VENDORED_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        ".venv",
        "venv",
        ".virtualenv",
        "site-packages",
        "dist-packages",
        ".eggs",
        "dist",
        "build",
        "target",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".gradle",
        ".terraform",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".parcel-cache",
        ".cache",
        "Pods",
        "Carthage",
    }
)

#: Directories deeper than this (below the root) are not descended.
DEFAULT_MAX_DEPTH = 64
#: An ignore file larger than this is not read (it would be hostile).
MAX_IGNORE_FILE_BYTES = 1024 * 1024


class SkipReason(enum.StrEnum):
    """Why something was not scanned. The values appear in the JSON report."""

    IGNORED = "ignored"  #: matched by .gitignore / .git/info/exclude
    VENDORED = "vendored"  #: a vendored or build directory
    SYMLINK = "symlink"  #: a symlinked directory, or a symlink leaving the root
    SPECIAL = "special"  #: not a regular file (socket, FIFO, device)
    TOO_DEEP = "too_deep"  #: below the depth bound
    MISSING = "missing"  #: an explicitly given path that does not exist
    UNREADABLE = "unreadable"  #: permission denied or vanished while scanning
    TOO_LARGE = "too_large"  #: over the text size bound (text detectors only)
    BINARY = "binary"  #: binary content (text detectors only)
    IGNORE_PATTERN = "ignore_pattern"  #: an ignore-file line over a bound, not used (``path:line``)


@dataclass(frozen=True, slots=True)
class WalkEntry:
    """A regular file to scan."""

    #: Relative to the root, ``/``-separated.
    path: str
    #: The file name (last component of ``path``).
    name: str
    #: Where to read it: the file itself, or a symlink's target inside the root.
    abspath: str
    size: int


#: Told ``(relative path, reason)`` for every skipped file or directory.
OnSkip = Callable[[str, SkipReason], None]


def _ignore_noop(path: str, reason: SkipReason) -> None:
    return None


def _read_lines(path: str) -> list[str] | None:
    try:
        st = os.stat(path, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_IGNORE_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class _Level:
    """The patterns of one ignore file: match paths relative to its directory."""

    #: Root-relative directory of the ignore file with a trailing ``/`` (``""`` for the root),
    #: or, for files above the root, the path from that directory down to the root.
    strip: str
    add: str
    spec: IgnoreFile

    def decide(self, rel: str) -> bool | None:
        if self.strip:
            if not rel.startswith(self.strip):
                return None
            rel = rel[len(self.strip) :]
        return self.spec.check(self.add + rel)


#: Most skipped ignore patterns remembered (all are counted).
MAX_SKIPPED_PATTERNS = 200


def _git_top(root: Path) -> Path | None:
    """The work tree that contains ``root`` (the nearest ancestor with ``.git``)."""
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _git_dir(top: Path) -> Path | None:
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git
    lines = _read_lines(str(dot_git))  # a worktree or submodule: "gitdir: <path>"
    if lines and lines[0].startswith("gitdir:"):
        target = Path(lines[0][len("gitdir:") :].strip())
        return target if target.is_absolute() else (top / target)
    return None


class Ignorer:
    """Answers "is this root-relative path ignored?" the way git would.

    Ignore files are read lazily, once per directory, so the same object can
    filter a full walk and a list of paths (``aims scan --since``).
    """

    def __init__(self, root: Path, *, include_vendored: bool = False, on_skip: OnSkip | None = None) -> None:
        self.root = root
        self.include_vendored = include_vendored
        self._on_skip = on_skip or _ignore_noop
        #: Ignore-file lines over a bound, not used: ``(file, line, reason)``, the first few.
        self.skipped_patterns: list[tuple[str, int, str]] = []
        self._cache: dict[str, _Level | None] = {}
        self._outer: list[_Level] = []
        top = _git_top(root)
        if top is not None:
            git_dir = _git_dir(top)
            down = root.relative_to(top).as_posix()
            down = "" if down == "." else down + "/"
            if git_dir is not None:
                spec = self._spec(_read_lines(str(git_dir / "info" / "exclude")), ".git/info/exclude")
                if spec is not None:
                    self._outer.append(_Level("", down, spec))
            # .gitignore files of the enclosing repository above the root, outermost first
            current = top
            parts = [p for p in down.split("/") if p]
            for index in range(len(parts)):
                above = "../" * (len(parts) - index) + ".gitignore"
                spec = self._spec(_read_lines(str(current / ".gitignore")), above)
                if spec is not None:
                    self._outer.append(_Level("", "/".join(parts[index:]) + "/", spec))
                current = current / parts[index]
            # Scanning a directory the enclosing repository ignores is deliberate:
            # then the tree stands on its own and only its own ignore files count.
            if down and self._ignored_by_outer(down):
                self._outer = []

    def _ignored_by_outer(self, down: str) -> bool:
        """Whether the root directory (or one above it, below the top) is ignored."""
        parts = [p for p in down.split("/") if p]
        for k in range(1, len(parts) + 1):
            for level in reversed(self._outer):
                # level.add is the path from the level's directory down to the root.
                depth = len(parts) - len([p for p in level.add.split("/") if p])
                if depth >= k:
                    continue
                relative = "/".join(parts[depth:k]) + "/"
                verdict = level.spec.check(relative)
                if verdict is not None:
                    if verdict:
                        return True
                    break
        return False

    def level(self, rel_dir: str) -> _Level | None:
        """The ignore file of a root-relative directory (``""`` is the root)."""
        if rel_dir in self._cache:
            return self._cache[rel_dir]
        directory = os.path.join(self.root, rel_dir) if rel_dir else str(self.root)
        name = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
        spec = self._spec(_read_lines(os.path.join(directory, ".gitignore")), name)
        level = None if spec is None else _Level(rel_dir + "/" if rel_dir else "", "", spec)
        self._cache[rel_dir] = level
        return level

    def _spec(self, lines: list[str] | None, name: str) -> IgnoreFile | None:
        """The ignore file's patterns (None: none); lines over a bound are reported as skipped."""
        if not lines:
            return None
        spec = IgnoreFile(lines)
        for skipped in spec.skipped:
            self._on_skip(f"{_printable(name)}:{skipped.line}", SkipReason.IGNORE_PATTERN)
            if len(self.skipped_patterns) < MAX_SKIPPED_PATTERNS:
                self.skipped_patterns.append((_printable(name), skipped.line, skipped.reason))
        return spec or None

    def forget(self, rel_dir: str) -> None:
        """Drop a directory's cached ignore file (the walk has left it)."""
        self._cache.pop(rel_dir, None)

    def decide(self, rel: str, levels: Iterable[_Level]) -> bool:
        """Whether ``rel`` (a directory ends in ``/``) is ignored by ``levels`` (outermost first)."""
        for level in reversed(list(levels)):
            verdict = level.decide(rel)
            if verdict is not None:
                return verdict
        return False

    def levels_for(self, rel_dir: str) -> list[_Level]:
        """Every ignore level that applies inside a root-relative directory."""
        levels = list(self._outer)
        parts = [p for p in rel_dir.split("/") if p]
        for index in range(len(parts) + 1):
            level = self.level("/".join(parts[:index]))
            if level is not None:
                levels.append(level)
        return levels

    def skip_reason(self, rel: str) -> SkipReason | None:
        """Why a root-relative file would not be walked (its directories included)."""
        parts = rel.split("/")
        for index, part in enumerate(parts[:-1]):
            reason = self.dir_reason(part)
            if reason is not None:
                return reason
            directory = "/".join(parts[: index + 1])
            parent = "/".join(parts[:index])
            if self.decide(directory + "/", self.levels_for(parent)):
                return SkipReason.IGNORED
        parent = "/".join(parts[:-1])
        if self.decide(rel, self.levels_for(parent)):
            return SkipReason.IGNORED
        return None

    def dir_reason(self, name: str) -> SkipReason | None:
        if name in ALWAYS_SKIPPED:
            return SkipReason.IGNORED
        if not self.include_vendored and name in VENDORED_DIRS:
            return SkipReason.VENDORED
        return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_symlink(abspath: str, real_root: str) -> str | None:
    """The target of a symlink when it is a regular file inside the root, else ``None``."""
    try:
        target = os.path.realpath(abspath, strict=True)
    except (OSError, RuntimeError):
        return None
    if not _inside(target, real_root):
        return None
    try:
        st = os.stat(target, follow_symlinks=False)
    except OSError:
        return None
    return target if stat.S_ISREG(st.st_mode) else None


def walk(
    root: Path | str,
    *,
    include_vendored: bool = False,
    max_depth: int = DEFAULT_MAX_DEPTH,
    on_skip: OnSkip | None = None,
    ignorer: Ignorer | None = None,
) -> Iterator[WalkEntry]:
    """Every regular file under ``root`` worth scanning, in a stable (sorted) order."""
    root_path = Path(root)
    real_root = os.path.realpath(root_path)
    skip = on_skip or _ignore_noop
    ignore = ignorer or Ignorer(root_path, include_vendored=include_vendored, on_skip=skip)
    # Depth-first, each directory's entries in name order, descending into a
    # subdirectory where it sorts: paths come out in a stable order. The stack
    # holds one listing per level of the current path.
    stack: list[tuple[str, int, list[_Level], Iterator[os.DirEntry[str]]]] = []
    first = _listing(root_path, "", skip)
    if first is None:
        return
    stack.append(("", 0, ignore.levels_for(""), first))
    while stack:
        rel_dir, depth, levels, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        try:
            if entry.is_symlink():
                if ignore.decide(rel, levels):
                    skip(rel, SkipReason.IGNORED)
                    continue
                target = resolve_symlink(entry.path, real_root)
                if target is None:
                    skip(rel, SkipReason.SYMLINK)
                    continue
                yield WalkEntry(_printable(rel), entry.name, target, os.stat(target, follow_symlinks=False).st_size)
                continue
            if entry.is_dir(follow_symlinks=False):
                reason = ignore.dir_reason(entry.name)
                if reason is None and ignore.decide(rel + "/", levels):
                    reason = SkipReason.IGNORED
                if reason is None and depth + 1 > max_depth:
                    reason = SkipReason.TOO_DEEP
                if reason is not None:
                    skip(rel + "/", reason)
                    continue
                listing = _listing(root_path, rel, skip)
                if listing is not None:
                    sub_level = ignore.level(rel)
                    ignore.forget(rel)
                    stack.append((rel, depth + 1, [*levels, sub_level] if sub_level else levels, listing))
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:
            skip(rel, SkipReason.UNREADABLE)
            continue
        if not stat.S_ISREG(st.st_mode):
            skip(rel, SkipReason.SPECIAL)
            continue
        if ignore.decide(rel, levels):
            skip(rel, SkipReason.IGNORED)
            continue
        yield WalkEntry(_printable(rel), entry.name, entry.path, st.st_size)


def _printable(rel: str) -> str:
    """A path as reports show it: bytes that are not UTF-8 (kept by the OS as surrogates) become U+FFFD.

    Reports, SARIF and the register need valid UTF-8; the file is still read through its real path.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return rel


def _listing(root: Path, rel_dir: str, skip: OnSkip) -> Iterator[os.DirEntry[str]] | None:
    directory = os.path.join(root, rel_dir) if rel_dir else str(root)
    try:
        with os.scandir(directory) as iterator:
            return iter(sorted(iterator, key=lambda e: e.name))
    except OSError:
        skip(f"{rel_dir}/" if rel_dir else "./", SkipReason.UNREADABLE)
        return None


def entries_for(
    root: Path | str,
    paths: Iterable[str],
    *,
    include_vendored: bool = False,
    max_depth: int = DEFAULT_MAX_DEPTH,
    on_skip: OnSkip | None = None,
    ignorer: Ignorer | None = None,
) -> Iterator[WalkEntry]:
    """The given root-relative paths, filtered exactly as :func:`walk` filters the tree.

    A path that is a directory is walked. Paths leaving the root, missing
    files and ignored or vendored paths are skipped (and reported to ``on_skip``).
    """
    root_path = Path(root)
    real_root = os.path.realpath(root_path)
    skip = on_skip or _ignore_noop
    ignore = ignorer or Ignorer(root_path, include_vendored=include_vendored, on_skip=skip)
    seen: set[str] = set()
    for raw in paths:
        rel = normalise_relative(raw)
        if rel is None:
            skip(raw, SkipReason.SYMLINK)
            continue
        if rel in seen:
            continue
        seen.add(rel)
        if rel == "":
            yield from walk(root_path, include_vendored=include_vendored, max_depth=max_depth, on_skip=skip)
            continue
        if rel.count("/") >= max_depth:
            skip(rel, SkipReason.TOO_DEEP)
            continue
        reason = ignore.skip_reason(rel)
        if reason is not None:
            skip(rel, reason)
            continue
        abspath = os.path.join(root_path, rel)
        # No directory on the way may be a symlink leaving the root.
        parent_real = os.path.realpath(os.path.dirname(abspath))
        if not _inside(parent_real, real_root):
            skip(rel, SkipReason.SYMLINK)
            continue
        try:
            st = os.stat(abspath, follow_symlinks=False)
        except FileNotFoundError:
            skip(rel, SkipReason.MISSING)
            continue
        except OSError:
            skip(rel, SkipReason.UNREADABLE)
            continue
        name = rel.rsplit("/", 1)[-1]
        if stat.S_ISLNK(st.st_mode):
            target = resolve_symlink(abspath, real_root)
            if target is None:
                skip(rel, SkipReason.SYMLINK)
                continue
            yield WalkEntry(_printable(rel), name, target, os.stat(target, follow_symlinks=False).st_size)
        elif stat.S_ISDIR(st.st_mode):
            for entry in walk(abspath, include_vendored=include_vendored, max_depth=max_depth):
                full = WalkEntry(f"{rel}/{entry.path}", entry.name, entry.abspath, entry.size)
                if ignore.skip_reason(full.path) is None:
                    yield full
        elif stat.S_ISREG(st.st_mode):
            yield WalkEntry(_printable(rel), name, abspath, st.st_size)
        else:
            skip(rel, SkipReason.SPECIAL)


def normalise_relative(raw: str) -> str | None:
    """``raw`` as a clean root-relative ``/`` path, or ``None`` when it leaves the root."""
    text = raw.replace(os.sep, "/") if os.sep != "/" else raw
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)
