"""Where a check gets its findings: the scan engine and the agent-configuration linter.

Both are imported when first needed, so the policy layer works (and is tested)
on its own, and a missing linter simply means no agent-config violations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaims.discovery.interface import DEFAULT_FILE_TIMEOUT, CutShort, Finding, ScanOptions, Unparsed
from openaims.errors import AimsError
from openaims.policy.engine import LintFindingLike


@dataclass(frozen=True, slots=True)
class TreeFindings:
    findings: list[Finding]
    lint: list[LintFindingLike]
    files_scanned: int
    #: Whether the agent-configuration linter ran.
    lint_available: bool
    #: Manifests the scanner could not read fully (a check fails closed on them).
    unparsed: list[Unparsed] = field(default_factory=list)
    #: Files whose analysis a bound cut short (a check fails closed on them).
    cut_short: list[CutShort] = field(default_factory=list)
    #: Why the scan stopped before the end (its time budget ran out), else ``None``.
    stopped: str | None = None


def scan_tree(
    root: Path,
    paths: Sequence[str] | None = None,
    *,
    with_lint: bool = False,
    progress: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT,
    deadline: float | None = None,
) -> TreeFindings:
    """Findings under ``root`` (only ``paths`` when given, relative to ``root``)."""
    if paths is not None and not paths:
        return TreeFindings([], [], 0, lint_available=with_lint and lint_runner() is not None)
    try:
        from openaims.discovery.scanner import Scanner  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise AimsError(f"the scan engine is not available in this installation ({exc})") from None
    options = ScanOptions(root=root, timeout=timeout, file_timeout=file_timeout, deadline=deadline)
    result = Scanner(options).scan(paths=list(paths) if paths is not None else None, progress=progress)
    stats = result.stats
    findings = list(result.findings)
    lint: list[LintFindingLike] = []
    available = False
    if with_lint:
        from_findings, runner = _lint_api()
        wanted = list(paths) if paths is not None else None
        if from_findings is not None:  # lint what the scan found, without scanning again
            lint = list(from_findings(root, findings, wanted))
            available = True
        elif runner is not None:
            lint = list(runner(root, wanted))
            available = True
    return TreeFindings(
        findings=findings,
        lint=lint,
        files_scanned=int(getattr(result.stats, "files_scanned", 0)),
        lint_available=available,
        unparsed=list(getattr(stats, "unparsed", [])),
        cut_short=list(getattr(stats, "cut_short", [])),
        stopped=_stopped(stats),
    )


def _stopped(stats: Any) -> str | None:
    if not getattr(stats, "timed_out", False):
        return None
    listed = sum(1 for c in getattr(stats, "cut_short", []) if c.detector == "scan")
    return (
        f"the scan stopped at its time budget (--timeout {stats.timeout:g} s) after {stats.files_seen} files; "
        f"{listed} of them and every file it did not reach were not scanned"
    )


def _lint_api() -> tuple[Any | None, Any | None]:
    """``(lint_findings, run_lint)`` from ``openaims.lint`` where installed."""
    try:
        from openaims import lint
    except ImportError:  # pragma: no cover
        return None, None
    return getattr(lint, "lint_findings", None), getattr(lint, "run_lint", None)


def lint_runner() -> Any | None:
    """``openaims.lint.run_lint`` when the linter is installed, else ``None``."""
    return _lint_api()[1]
