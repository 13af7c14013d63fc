"""Which files changed since a git revision (``aims scan --since REV``).

Changed means: different in the work tree (staged or not) from ``REV``, plus
untracked files that are not ignored. Deleted files are left out (there is
nothing to scan). Paths are relative to ``root`` and ``/``-separated, even when
``root`` is a subdirectory of the work tree. Nothing in the repository is run:
git runs through :mod:`openaims.discovery.safegit`, with every command the
repository's configuration names turned off.
"""

from __future__ import annotations

import os
from pathlib import Path

from openaims.discovery import safegit
from openaims.errors import UsageError


def _git(root: Path, *args: str) -> safegit.GitResult:
    return safegit.run(root, *args)


def _names(output: bytes) -> list[str]:
    return [name.decode("utf-8", "surrogateescape") for name in output.split(b"\0") if name]


def validate(root: Path, since_rev: str) -> str:
    """The commit id ``since_rev`` names in the work tree at ``root`` (or a UsageError)."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory; give the directory to scan")
    probe = _git(root, "rev-parse", "--is-inside-work-tree")
    if probe.returncode != 0 or probe.stdout.strip() != b"true":
        raise UsageError(f"{root} is not inside a git work tree; --since needs one")
    if not since_rev or since_rev.startswith("-") or "\0" in since_rev:
        raise UsageError(f"--since {since_rev!r} is not a git revision")
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{since_rev}^{{commit}}")
    if found.returncode != 0:
        raise UsageError(
            f"git revision {since_rev!r} does not exist in {root} "
            "(a branch, tag or commit; fetch it first in a shallow clone)"
        )
    return found.stdout.decode("ascii", "replace").strip()


def changed_paths(root: Path | str, since_rev: str) -> list[str]:
    """Files under ``root`` changed since ``since_rev`` or untracked, sorted, relative to ``root``."""
    root = Path(root)
    commit = validate(root, since_rev)
    diff = _git(root, "diff", "--name-only", "--no-renames", "--relative", "-z", commit, "--")
    if diff.returncode != 0:
        raise UsageError(f"git diff failed: {diff.message()}")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    names = set(_names(diff.stdout))
    if untracked.returncode == 0:
        names.update(_names(untracked.stdout))
    return sorted(name for name in names if os.path.lexists(root / name))
