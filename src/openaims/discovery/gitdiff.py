"""Which files changed since a git revision (``aims scan --since REV``).

Changed means: different in the work tree (staged or not) from ``REV``, plus
untracked files that are not ignored. Deleted files are left out (there is
nothing to scan). Paths are relative to ``root`` and ``/``-separated, even when
``root`` is a subdirectory of the work tree. Nothing in the repository is run:
only ``git`` itself, with hooks, pagers and external diff drivers turned off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from openaims.errors import UsageError

#: A git command that takes longer than this is stopped.
GIT_TIMEOUT_S = 120

_SAFE_ENV = {
    "GIT_PAGER": "cat",
    "GIT_EXTERNAL_DIFF": "",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise UsageError("--since needs git, which is not installed or not on PATH")
    env = {**os.environ, **_SAFE_ENV}
    try:
        return subprocess.run(
            [git, "-C", str(root), "-c", "core.quotepath=off", "-c", "diff.external=", *args],
            capture_output=True,
            env=env,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"git took longer than {GIT_TIMEOUT_S}s in {root}") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror}") from None


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
        message = diff.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git diff failed: {message[0] if message else 'unknown error'}")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    names = set(_names(diff.stdout))
    if untracked.returncode == 0:
        names.update(_names(untracked.stdout))
    return sorted(name for name in names if os.path.lexists(root / name))
