"""The check service: scan a tree (or what changed), evaluate the policy, report.

``aims check``, ``aims baseline create``, the pre-commit hook and the CI
integrations all go through :func:`run_check`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path

from openaims.discovery.interface import DEFAULT_FILE_TIMEOUT, FindingKind
from openaims.errors import AimsError, UsageError
from openaims.policy import baseline as baselines
from openaims.policy import diff as diffs
from openaims.policy.engine import Evaluation, Status, Violation, detect
from openaims.policy.exceptions import Clock, utc_today
from openaims.policy.layered import LayeredEvaluation, evaluate_layered
from openaims.policy.schema import LoadedPolicy, Policy, resolve_policy
from openaims.policy.sources import TreeFindings, scan_tree

#: Finds what is in a tree: ``(root, paths or None, with_lint) -> TreeFindings``.
Source = Callable[[Path, list[str] | None, bool], TreeFindings]


#: Told ``(files done, files in all)`` while the tree is scanned.
Progress = Callable[[int, int], None]


def _scanner_source(progress: Progress | None, request: CheckRequest, started: float) -> Source:
    """The scan engine with the request's time budgets (the whole check shares ``timeout``)."""

    deadline = started + request.timeout if request.timeout else None

    def source(root: Path, paths: list[str] | None, with_lint: bool) -> TreeFindings:
        return scan_tree(
            root,
            paths,
            with_lint=with_lint,
            progress=progress,
            timeout=request.timeout,
            file_timeout=request.file_timeout,
            deadline=deadline,
        )

    return source


@dataclass(frozen=True, slots=True)
class CheckRequest:
    root: Path
    policy_file: Path | None = None
    diff_base: str | None = None
    #: Judge what is staged (the index) instead of the work tree; the base defaults to HEAD.
    staged: bool = False
    baseline_file: Path | None = None
    clock: Clock = utc_today
    #: Where findings come from; ``None``: the scan engine (and the linter).
    source: Source | None = None
    #: Progress of the scan of the checked tree (not of the diff base).
    progress: Progress | None = None
    #: Manifests that cannot be read fully are reported as warnings instead of failing the check.
    allow_unparsed: bool = False
    #: Wall-clock seconds the whole check may spend scanning (``None``: no budget).
    timeout: float | None = None
    #: Wall-clock seconds the scan may spend on one file (``None``: no budget).
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT
    #: The organisation policy the tree is also judged by (its rules cannot be removed by the tree's own).
    organisation: Policy | None = None
    #: Where the organisation policy came from (``DOCV-3`` from the server, or a file), for the report.
    organisation_source: str | None = None


@dataclass(frozen=True, slots=True)
class CheckReport:
    root: Path
    policy: LoadedPolicy
    evaluation: Evaluation
    today: date
    files_scanned: int
    duration_s: float
    diff_base: str | None = None
    staged: bool = False
    diff_commit: str | None = None
    changed_files: tuple[str, ...] | None = None
    baseline_file: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Where the checked root sits in its git repository (``services/api/``), for SARIF locations.
    repo_prefix: str = ""
    #: Whose rule each violation breaks, when an organisation policy took part.
    layered: LayeredEvaluation | None = None
    organisation_source: str | None = None
    #: How many findings the checked tree had.
    findings: int = 0

    @property
    def failed(self) -> bool:
        return self.evaluation.failed

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _root(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; aims check takes the root of the tree to check")
    return path.resolve()


def run_check(request: CheckRequest) -> CheckReport:
    """Scan, evaluate the policy and classify every violation."""
    started = time.perf_counter()
    budget_started = time.monotonic()
    root = _root(request.root)
    loaded = resolve_policy(root, request.policy_file)
    policy = loaded.policy
    accepted = baselines.load(request.baseline_file).fingerprints if request.baseline_file else frozenset()
    today = request.clock()
    with_lint = policy.agent_config is not None
    notes: list[str] = []
    organisation = request.organisation
    if organisation is not None:
        with_lint = with_lint or organisation.agent_config is not None
        notes.append(
            f"Also judged by the organisation policy ({request.organisation_source or 'given'}); "
            "exceptions in this repository's policy do not excuse its rules."
        )
    elif loaded.source is None:
        notes.append(
            f"No policy file at {root / 'aims-policy.yaml'}: using the built-in default policy "
            "(hard-coded AI keys and unsafe model files block). Run 'aims policy init' to write one."
        )

    existing: set[str] | None = None
    scope: diffs.DiffScope | None = None
    source = request.source or _scanner_source(request.progress, request, budget_started)
    quiet = request.source or _scanner_source(None, request, budget_started)
    diff_base = request.diff_base or ("HEAD" if request.staged else None)
    empty = TreeFindings([], [], 0, lint_available=True)  # nothing to scan, nothing to lint
    if diff_base is None:
        head = source(root, None, with_lint)
    else:
        scope = diffs.scope(root, diff_base, staged=request.staged)
        changed = list(scope.changed)
        with tempfile.TemporaryDirectory(prefix="aims-diff-", dir=diffs.scratch_parent()) as tmp:
            if scope.staged:
                staged_root = Path(tmp) / "staged"
                staged_root.mkdir()
                staged = diffs.materialise_index(root, changed, staged_root)
                head = source(staged_root, staged, with_lint) if staged else empty
            else:
                head = source(root, changed, with_lint)
            base_root = Path(tmp) / "base"
            base_root.mkdir()
            present = diffs.materialise(root, scope.commit, changed, base_root)
            before = quiet(base_root, present, with_lint) if present else empty
        existing = {v.fingerprint for v in detect(before.findings, policy, before.lint)}
        if organisation is not None:
            existing |= {v.fingerprint for v in detect(before.findings, organisation, before.lint)}

    if with_lint and not head.lint_available:
        notes.append(
            "agent_config is set but the agent-configuration linter is not installed; no lint rules ran"
        )

    layered = evaluate_layered(
        head.findings,
        organisation=organisation,
        repository=policy if (organisation is None or loaded.source is not None) else None,
        today=today,
        lint_findings=head.lint,
        existing=existing,
        baseline=accepted,
        unparsed=head.unparsed,
        allow_unparsed=request.allow_unparsed,
        cut_short=head.cut_short,
        stopped=head.stopped,
    )
    evaluation = layered.evaluation
    if head.unparsed and request.allow_unparsed:
        count = len({u.path for u in head.unparsed})
        notes.append(f"{count} manifest(s) could not be read fully; --allow-unparsed reports them without failing")
    return CheckReport(
        root=root,
        policy=loaded,
        evaluation=evaluation,
        today=today,
        files_scanned=head.files_scanned,
        duration_s=time.perf_counter() - started,
        diff_base=diff_base,
        staged=request.staged,
        diff_commit=scope.commit if scope else None,
        changed_files=scope.changed if scope else None,
        baseline_file=request.baseline_file,
        notes=tuple(notes),
        repo_prefix=diffs.repo_prefix(root),
        layered=layered if organisation is not None else None,
        organisation_source=request.organisation_source,
        findings=len(head.findings),
    )


class BaselineRefusedError(AimsError):
    """A baseline would accept a hard-coded key: a rule refusal (exit 1)."""

    def __init__(self, message: str, keys: tuple[Violation, ...]) -> None:
        super().__init__(message)
        #: The violations that are keys, for the caller to list.
        self.keys = keys


def hardcoded_keys(violations: tuple[Violation, ...]) -> tuple[Violation, ...]:
    """The violations a baseline would accept that are about a hard-coded key (the secret rule,
    or a provider rule a key broke)."""
    return tuple(
        v
        for v in violations
        if v.status is not Status.EXCEPTED
        and (v.rule.id == "secret.hardcoded" or (v.finding is not None and v.finding.kind is FindingKind.SECRET))
    )


def key_locations(violations: tuple[Violation, ...]) -> list[str]:
    """``path:line redacted-key`` for each distinct key among ``violations``, as people read them."""
    seen: dict[tuple[str, int | None, str], str] = {}
    for v in violations:
        finding = v.finding
        shown = (finding.redacted if finding is not None else None) or "(redacted)"
        where = f"{v.path}:{v.line}" if v.line else v.path
        seen.setdefault((v.path, v.line, shown), f"{where} {shown}")
    return list(seen.values())


def create_baseline(request: CheckRequest, *, allow_secrets: bool = False) -> tuple[baselines.Baseline, CheckReport]:
    """A baseline accepting every violation a whole-tree check finds today (excepted ones aside).

    A hard-coded key is never accepted silently: it is exposed in the history and must be
    revoked, so unless ``allow_secrets`` the baseline is refused, naming each key (redacted).
    """
    report = run_check(replace(request, diff_base=None, baseline_file=None))
    keys = hardcoded_keys(report.evaluation.violations)
    if keys and not allow_secrets:
        located = key_locations(keys)
        count = len(located)
        raise BaselineRefusedError(
            f"refusing to baseline {count} hard-coded key{'s' if count != 1 else ''} "
            f"({'; '.join(located)}): revoke {'them' if count != 1 else 'it'} at the provider and remove "
            f"{'them' if count != 1 else 'it'} from the code, or pass --allow-secrets to accept "
            f"{'them' if count != 1 else 'it'} anyway",
            keys,
        )
    return baselines.from_violations(report.evaluation.violations), report


def starter_policy() -> str:
    """The commented starter policy ``aims policy init`` writes."""
    return resources.files("openaims.policy").joinpath("starter.yaml").read_text(encoding="utf-8")
