"""Diff mode: judge only what changed since a git revision.

The files changed between ``REV`` and the work tree (committed, staged,
unstaged and untracked) are scanned as they are now, and the same files are
written out as they were at ``REV`` (one ``git ls-tree`` and one
``git cat-file --batch`` for all of them) and scanned there. A violation whose
fingerprint was already present at ``REV`` is *existing*; the rest are
*introduced*. Fingerprints ignore line numbers, so moved code stays existing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from openaims.discovery import safegit
from openaims.errors import NotFoundError, UsageError

#: Blobs larger than this are not written out for the base scan.
MAX_BASE_BLOB_BYTES: Final = 64 * 1024 * 1024
#: Free space a RAM-backed scratch directory must have to be used for the base files.
_SCRATCH_MIN_FREE: Final = 1024 * 1024 * 1024
_CHUNK: Final = 500


@dataclass(frozen=True, slots=True)
class DiffScope:
    """What diff mode scans."""

    rev: str
    commit: str
    #: Changed paths (relative to the scanned root) that exist in the work tree (or the index).
    changed: tuple[str, ...]
    #: Whether the change is what is staged (the index) rather than the work tree.
    staged: bool = False


#: Git's empty tree: the base of a repository's first commit.
EMPTY_TREE: Final = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def _git(root: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    done = safegit.run(root, *args, input_bytes=input_bytes)
    if done.returncode != 0:
        raise UsageError(f"git {args[0]} failed in {root}: {done.message()}")
    return done.stdout


def resolve(root: Path, rev: str) -> str:
    """The commit ``rev`` names, or a clear error."""
    if rev.startswith("-"):
        raise UsageError(f"--diff-base {rev!r} is not a revision")
    inside = safegit.run(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise UsageError(f"--diff-base needs a git work tree, and {root} is not inside one")
    done = safegit.run(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if done.returncode != 0:
        if rev == "HEAD" and not _has_commits(root):
            return EMPTY_TREE  # the first commit: everything in it is new
        raise NotFoundError(f"--diff-base {rev}: no such revision in {root} (is the history fetched?)")
    return done.stdout.decode().strip()


def _has_commits(root: Path) -> bool:
    done = safegit.run(root, "rev-list", "-n", "1", "--all")
    return done.returncode == 0 and bool(done.stdout.strip())


def repo_prefix(root: Path) -> str:
    """Where ``root`` sits inside its git work tree (``services/api/``), ``""`` at the top or outside git."""
    try:
        done = safegit.run(root, "rev-parse", "--show-prefix")
    except safegit.GitError:
        return ""
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else ""


def _split(out: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def scope(root: Path, rev: str, *, staged: bool = False) -> DiffScope:
    """The files under ``root`` changed between ``rev`` and the work tree (or, ``staged``, the index)."""
    commit = resolve(root, rev)
    if staged:
        names = _git(
            root, "diff", "--cached", "--name-only", "--no-renames", "--relative", "-z", commit, "--", "."
        )
        in_index = {path for path, _, _ in _index_entries(root, _split(names))}
        return DiffScope(rev=rev, commit=commit, changed=tuple(sorted(in_index)), staged=True)
    changed = set(
        _split(_git(root, "diff", "--name-only", "--no-renames", "--relative", "-z", commit, "--", "."))
    )
    changed.update(_split(_git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")))
    present = sorted(p for p in changed if (root / p).is_file() and not (root / p).is_symlink())
    return DiffScope(rev=rev, commit=commit, changed=tuple(present))


def scratch_parent() -> str | None:
    """Where to write the base files: RAM-backed ``/dev/shm`` when usable (no disk writes, fast
    clean-up) unless ``TMPDIR`` says otherwise; ``None`` means the default temporary directory."""
    if os.environ.get("TMPDIR"):
        return None
    shm = "/dev/shm"  # noqa: S108 - a private mkdtemp directory is created inside it
    try:
        stats = os.statvfs(shm)
    except OSError:
        return None
    if not os.access(shm, os.W_OK | os.X_OK) or stats.f_bavail * stats.f_frsize < _SCRATCH_MIN_FREE:
        return None
    return shm


def _parse_entries(out: bytes, *, index: bool) -> list[tuple[str, str, int]]:
    entries: list[tuple[str, str, int]] = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        fields = meta.split()
        if index:  # ls-files -s: mode blob stage
            mode, blob, stage = fields
            if stage != b"0":
                continue
            size = -1
        else:  # ls-tree -l: mode kind blob size
            mode, kind, blob, raw_size = fields
            if kind != b"blob":
                continue
            size = int(raw_size)
        if mode in {b"100644", b"100755"}:
            entries.append((name.decode("utf-8", "surrogateescape"), blob.decode(), size))
    return entries


def _tree_entries(root: Path, commit: str, paths: Sequence[str]) -> list[tuple[str, str, int]]:
    """``(path, blob, size)`` of the regular files among ``paths`` at ``commit``."""
    if commit == EMPTY_TREE:
        return []
    entries: list[tuple[str, str, int]] = []
    for start in range(0, len(paths), _CHUNK):
        out = _git(root, "ls-tree", "-z", "-l", commit, "--", *paths[start : start + _CHUNK])
        entries.extend(_parse_entries(out, index=False))
    return entries


def _index_entries(root: Path, paths: Sequence[str]) -> list[tuple[str, str, int]]:
    """``(path, blob, -1)`` of the regular files among ``paths`` in the index."""
    entries: list[tuple[str, str, int]] = []
    for start in range(0, len(paths), _CHUNK):
        out = _git(root, "ls-files", "-s", "-z", "--", *paths[start : start + _CHUNK])
        entries.extend(_parse_entries(out, index=True))
    return entries


def _write_blobs(root: Path, entries: list[tuple[str, str, int]], dest: Path) -> list[str]:
    wanted = [(p, b) for p, b, n in entries if n <= MAX_BASE_BLOB_BYTES]
    if not wanted:
        return []
    data = _git(root, "cat-file", "--batch", input_bytes="".join(f"{b}\n" for _, b in wanted).encode())
    written: list[str] = []
    offset = 0
    base = dest.resolve()
    for path, _ in wanted:
        header_end = data.index(b"\n", offset)
        length = int(data[offset:header_end].split()[2])
        body = data[header_end + 1 : header_end + 1 + length]
        offset = header_end + 1 + length + 1
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts or length > MAX_BASE_BLOB_BYTES:
            continue
        target = base.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(path)
    return written


def materialise(root: Path, commit: str, paths: Sequence[str], dest: Path) -> list[str]:
    """Write the regular files among ``paths`` as they were at ``commit`` under ``dest``.

    Returns the paths written (those that existed at ``commit``). Symlinks and
    submodules are skipped; nothing is checked out in the work tree.
    """
    return _write_blobs(root, _tree_entries(root, commit, paths), dest)


def materialise_index(root: Path, paths: Sequence[str], dest: Path) -> list[str]:
    """Write the staged (index) version of the regular files among ``paths`` under ``dest``."""
    return _write_blobs(root, _index_entries(root, paths), dest)
