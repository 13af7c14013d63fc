"""Getting a repository's tree to scan: a shallow fetch into a bounded clone cache, or a
checkout already on disk (a directory source), and what changed since the last scan.

Every git command goes through :mod:`openaims.discovery.safegit`, so nothing the
repository configures runs (hooks, filters, fsmonitor...), fetches use only https,
http, git and file transports, and a token travels in an ``Authorization`` header set
for the repository's host only, in the git process's environment. Symbolic links are
checked out as plain files. The cache keeps one clone per repository and removes the
least recently used ones when it grows past its bound; a clone in use by a job is
locked and never removed.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from openaims.discovery import safegit
from openaims.org.interface import JobError, scrub

_STAMP: Final = ".aims-used"
_SIZE: Final = ".aims-size"
_LOCK: Final = ".aims-lock"
#: git's messages that say the server could not be reached (worth trying again later).
_TRANSIENT: Final = re.compile(
    r"(?i)could not resolve host|connection (refused|reset|timed out)|timed out|temporarily|"
    r"early eof|the remote end hung up|HTTP 5\d\d|returned error: 5\d\d|unable to access"
)
_SHA: Final = re.compile(r"^[0-9a-f]{40,64}$")


@dataclass(frozen=True, slots=True)
class Tree:
    """A tree ready to scan."""

    root: Path
    #: The commit checked out (None: a checkout without commits).
    commit: str | None
    #: Paths changed since the last scanned commit; None: scan everything.
    changed: list[str] | None


def _auth(url: str, token: str | None, kind: str) -> list[tuple[str, str]]:
    """An ``Authorization`` header for ``url``'s host only (GitHub and GitLab accept basic auth)."""
    if not token:
        return []
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"}:
        return []
    user = {"github": "x-access-token", "gitlab": "oauth2"}.get(kind, "token")
    basic = base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return [(f"http.{parts.scheme}://{parts.netloc}/.extraHeader", f"Authorization: Basic {basic}")]


def _fail(what: str, result: safegit.GitResult, token: str | None) -> JobError:
    message = scrub(result.message(), [token])
    return JobError(f"{what}: {message}", transient=bool(_TRANSIENT.search(message)))


def _git(root: Path, *args: str) -> safegit.GitResult:
    try:
        return safegit.run(root, *args)
    except safegit.GitError as exc:
        raise JobError(exc.message, transient="longer than" in exc.message) from None


def _changed(root: Path, since: str | None, commit: str | None, *, worktree: bool) -> list[str] | None:
    """Paths changed from ``since`` to ``commit`` (or to the work tree); None when unknown."""
    if not since or not _SHA.match(since) or commit is None:
        return None
    if since == commit and not worktree:
        return []
    if _git(root, "cat-file", "-e", f"{since}^{{commit}}").returncode != 0:
        return None  # the history does not reach the last scan: scan everything
    target = [] if worktree else [commit]
    diff = _git(root, "diff", "--name-only", "-z", "--no-renames", since, *target, "--")
    if diff.returncode != 0:
        return None
    paths = {p.decode("utf-8", "surrogateescape") for p in diff.stdout.split(b"\0") if p}
    if worktree:
        untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
        if untracked.returncode != 0:
            return None
        paths |= {p.decode("utf-8", "surrogateescape") for p in untracked.stdout.split(b"\0") if p}
    return sorted(paths)


def local_tree(root: Path, since: str | None) -> Tree:
    """A checkout on disk, scanned where it is: its HEAD and what changed since ``since``
    (committed, uncommitted and untracked files)."""
    if not root.is_dir():
        raise JobError(f"{root} is no longer a directory")
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if head.returncode != 0 and not (root / ".git").exists():
        raise JobError(f"{root} is not a git checkout: {scrub(head.message())}")
    commit = head.stdout.decode().strip() if head.returncode == 0 else None
    return Tree(root, commit, _changed(root, since, commit, worktree=True))


def remote_head(url: str, branch: str | None, *, token: str | None, kind: str, scratch: Path) -> str:
    """The commit the remote's branch (or HEAD) points at, without fetching anything."""
    ref = f"refs/heads/{branch}" if branch else "HEAD"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        result = safegit.run_remote(scratch, "ls-remote", "--", url, ref, config=_auth(url, token, kind))
    except safegit.GitError as exc:
        raise JobError(scrub(exc.message, [token]), transient=True) from None
    if result.returncode != 0:
        raise _fail("cannot list the remote", result, token)
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition("\t")
        if name.strip() == ref and _SHA.match(sha.strip()):
            return sha.strip()
    raise JobError(f"the remote has no {ref}")


class CloneCache:
    """One shallow clone per repository under ``folder``, at most ``max_bytes`` in all."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def slot(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", key)[-60:].strip("-.") or "repo"
        return self.folder / f"{safe}-{digest}"

    @contextlib.contextmanager
    def lease(self, key: str) -> Iterator[Path]:
        """The clone folder of ``key``, locked against eviction and against another job on it."""
        slot = self.slot(key)
        slot.mkdir(parents=True, exist_ok=True)
        with open(slot.parent / f"{slot.name}{_LOCK}", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                (slot.parent / f"{slot.name}{_STAMP}").touch()
                yield slot
            finally:
                with contextlib.suppress(OSError):
                    (slot.parent / f"{slot.name}{_SIZE}").write_text(str(_size(slot)))
                fcntl.flock(handle, fcntl.LOCK_UN)

    def fetch(
        self, slot: Path, url: str, branch: str | None, *, since: str | None, token: str | None, kind: str
    ) -> Tree:
        """Fetch the branch (or HEAD) with depth 1 into ``slot``, check it out, and list what
        changed since ``since`` when that commit is still in the clone."""
        if not (slot / ".git").is_dir():
            shutil.rmtree(slot, ignore_errors=True)
            slot.mkdir(parents=True, exist_ok=True)
            for args in (("init", "-q"), ("config", "core.symlinks", "false"), ("config", "gc.auto", "0")):
                result = _git(slot, *args)
                if result.returncode != 0:
                    raise _fail("cannot prepare the clone cache", result, token)
        ref = f"refs/heads/{branch}" if branch else "HEAD"
        try:
            result = safegit.run_remote(
                slot, "fetch", "--depth=1", "--no-tags", "--quiet", "--no-recurse-submodules", "--", url,
                f"+{ref}:refs/aims/fetched", config=_auth(url, token, kind),
            )  # fmt: skip
        except safegit.GitError as exc:
            raise JobError(scrub(exc.message, [token]), transient=True) from None
        if result.returncode != 0:
            raise _fail("cannot fetch the repository", result, token)
        head = _git(slot, "rev-parse", "--verify", "-q", "refs/aims/fetched^{commit}")
        if head.returncode != 0:
            raise JobError("the fetched branch has no commit")
        commit = head.stdout.decode().strip()
        checkout = _git(slot, "checkout", "-q", "--force", "--detach", commit)
        if checkout.returncode != 0:
            raise _fail("cannot check out the fetched commit", checkout, token)
        _git(slot, "clean", "-q", "-ffdx")
        return Tree(slot, commit, _changed(slot, since, commit, worktree=False))

    def evict(self, keep: Path) -> list[Path]:
        """Remove the least recently used clones until the cache is within its bound."""
        if not self.folder.is_dir():
            return []
        slots = []
        for entry in self.folder.iterdir():
            if not entry.is_dir():
                continue
            size_file = self.folder / f"{entry.name}{_SIZE}"
            stamp = self.folder / f"{entry.name}{_STAMP}"
            try:
                size = int(size_file.read_text() or 0)
            except (OSError, ValueError):
                size = _size(entry)
            used = stamp.stat().st_mtime if stamp.exists() else 0.0
            slots.append((used, size, entry))
        total = sum(size for _, size, _ in slots)
        removed: list[Path] = []
        for _used, size, entry in sorted(slots):
            if total <= self.max_bytes:
                break
            if entry == keep:
                continue
            lock = self.folder / f"{entry.name}{_LOCK}"
            with open(lock, "a+b") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a job is using it
                shutil.rmtree(entry, ignore_errors=True)
                for suffix in (_SIZE, _STAMP):
                    with contextlib.suppress(OSError):
                        (self.folder / f"{entry.name}{suffix}").unlink()
                fcntl.flock(handle, fcntl.LOCK_UN)
            total -= size
            removed.append(entry)
        return removed


def _size(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def wait_s(attempt: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Back-off before try ``attempt`` + 1: 1, 2, 4... seconds, at most ``cap``."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


def sleep_before_retry(attempt: int) -> None:
    time.sleep(wait_s(attempt))
