"""Evaluation: scan findings (and agent-config lint findings) against a policy.

Two steps. :func:`detect` turns findings into violations (what breaks which
rule, with a stable fingerprint); :func:`classify` decides each violation's
status from the policy's exceptions, a baseline, and, in diff mode, the
fingerprints that already existed at the base revision:

``excepted``           an active exception covers it (the exception is listed);
``baselined``          accepted in the baseline file;
``existing``           already there at the diff base;
``expired-exception``  only an expired exception covered it: it fails again;
``failing``            new and blocking;
``warning``            new, reported, not blocking (``warn`` or a severity outside ``fail_on``).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from openaims.discovery.interface import CutShort, Finding, FindingKind, Unparsed
from openaims.policy import exceptions as exc_rules
from openaims.policy import subjects
from openaims.policy.fingerprint import fingerprint
from openaims.policy.matching import first_match
from openaims.policy.rules import RULES, Rule, agent_config_rule
from openaims.policy.schema import (
    Action,
    CategoryRule,
    Mode,
    Policy,
    PolicyException,
    Severity,
)


class LintFindingLike(Protocol):
    """What the engine reads from an agent-configuration lint finding."""

    @property
    def rule_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def message(self) -> str: ...
    @property
    def help(self) -> str: ...


class Status(enum.StrEnum):
    """Where a violation stands. The values are part of the JSON report contract."""

    FAILING = "failing"
    EXPIRED_EXCEPTION = "expired-exception"
    WARNING = "warning"
    EXISTING = "existing"
    BASELINED = "baselined"
    EXCEPTED = "excepted"

    @property
    def fails(self) -> bool:
        return self in {Status.FAILING, Status.EXPIRED_EXCEPTION}


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule broken by one finding."""

    rule: Rule
    severity: Severity
    message: str
    path: str
    line: int | None
    #: What the violation is about, as people read it: ``pypi:torch``, ``mcp:github``.
    subject: str
    #: Values an exception's ``match`` is compared with.
    keys: tuple[str, ...]
    fingerprint: str
    #: Whether the violation fails the check when it is new.
    blocking: bool
    status: Status = Status.FAILING
    finding: Finding | None = None
    lint: LintFindingLike | None = None
    #: The exception that covered it (applied, or expired).
    exception: PolicyException | None = None

    @property
    def rule_id(self) -> str:
        return self.rule.id

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.rule.id, self.subject)


class ExceptionState(enum.StrEnum):
    APPLIED = "applied"
    EXPIRED = "expired"
    UNUSED = "unused"


@dataclass(frozen=True, slots=True)
class ExceptionUse:
    """How one policy exception fared in a check."""

    exception: PolicyException
    #: Position in the policy's ``exceptions`` list.
    index: int
    state: ExceptionState
    #: Violations it covered (applied) or would have covered (expired).
    matched: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    violations: tuple[Violation, ...]
    exceptions: tuple[ExceptionUse, ...]

    @property
    def failed(self) -> bool:
        return any(v.status.fails for v in self.violations)

    def count(self, status: Status) -> int:
        return sum(1 for v in self.violations if v.status is status)


# --- detection ---------------------------------------------------------------------------------------


def detect(
    findings: Iterable[Finding],
    policy: Policy,
    lint_findings: Iterable[LintFindingLike] = (),
) -> list[Violation]:
    """Every violation of ``policy`` in ``findings`` and ``lint_findings`` (status not yet decided)."""
    out: dict[tuple[str, str, int | None], Violation] = {}
    for finding in findings:
        for violation in _finding_violations(finding, policy):
            out.setdefault((violation.rule.id, violation.fingerprint, violation.line), violation)
    if policy.agent_config is not None:
        for lint in lint_findings:
            judged = _lint_violation(lint, policy)
            if judged is not None:
                out.setdefault((judged.rule.id, judged.fingerprint, judged.line), judged)
    return sorted(out.values(), key=Violation.sort_key)


def _make(
    policy: Policy,
    rule: Rule,
    *,
    message: str,
    path: str,
    line: int | None,
    subject: str,
    identity: str,
    keys: Iterable[str],
    action: Action | None = None,
    finding: Finding | None = None,
    lint: LintFindingLike | None = None,
) -> Violation:
    severity = policy.severity_of(rule.id, rule.default_severity)
    if action is Action.BLOCK:
        blocking = True
    elif action is Action.WARN:
        blocking = False
    else:
        blocking = policy.fails(severity)
    return Violation(
        rule=rule,
        severity=severity,
        message=message,
        path=path,
        line=line,
        subject=subject,
        keys=tuple(dict.fromkeys(k.lower() for k in keys if k)),
        fingerprint=fingerprint(rule.id, path, identity),
        blocking=blocking,
        status=Status.FAILING if blocking else Status.WARNING,
        finding=finding,
        lint=lint,
    )


def _category(
    policy: Policy,
    config: CategoryRule,
    key: str,
    plural: str,
    values: Iterable[str],
) -> tuple[Rule, str] | None:
    """``(rule, reason)`` when ``values`` (the names of one thing) break the category's lists."""
    names = list(values)
    pattern = first_match(config.prohibited, names)
    if pattern is not None:
        return RULES[f"{key}.prohibited"], f"prohibited by {plural}.prohibited {pattern!r}"
    if config.mode is Mode.ALLOWLIST and first_match(config.approved, names) is None:
        return RULES[f"{key}.unapproved"], f"not in {plural}.approved ({plural} mode: allowlist)"
    return None


@dataclass(frozen=True, slots=True)
class _Use:
    """One use of a provider, as the provider rule judges it: what it is and its names."""

    #: How people read it (``pypi:openai``, ``import openai``, ``model:gpt-4o``, ``key openai-api-key``);
    #: with the path and provider it identifies the violation (its fingerprint).
    via: str
    #: The names of the thing itself (a package's, a model's...), for exceptions.
    keys: tuple[str, ...]


def _finding_violations(finding: Finding, policy: Policy) -> Iterator[Violation]:
    kind = finding.kind
    details: dict[str, Any] = finding.details or {}
    providers = subjects.provider_keys(finding.provider)
    use: _Use | None = None

    if kind in {FindingKind.DEPENDENCY, FindingKind.IMPORT}:
        if kind is FindingKind.DEPENDENCY:
            ecosystem, name = (finding.ecosystem or "").lower() or None, finding.name
        else:
            ecosystem, name = subjects.split_package(str(details.get("package") or ""))
            ecosystem = ecosystem or (finding.ecosystem or "").lower() or None
        package = subjects.package_subject(ecosystem, name) if name else ""
        names = subjects.package_keys(ecosystem, name) if name else ()
        module = finding.name
        seen = f"import {module}" if kind is FindingKind.IMPORT else package
        imported = (module, str(details.get("module") or ""))
        use = _Use(seen, (*names, *imported) if kind is FindingKind.IMPORT else names)
        hit = _category(policy, policy.packages, "package", "packages", names) if names else None
        if hit is not None:
            rule, reason = hit
            where = f" (imported as {module})" if kind is FindingKind.IMPORT else ""
            yield _make(
                policy,
                rule,
                message=f"Package {package}{where} is {reason}",
                path=finding.path,
                line=finding.line,
                subject=package,
                identity=package,
                keys=[*use.keys, *providers],
                finding=finding,
            )

    if kind is FindingKind.MODEL:
        model_id = str(details.get("model_id") or finding.name)
        names = subjects.model_keys(model_id, finding.name, str(details.get("raw") or ""), provider=finding.provider)
        use = _Use(f"model:{finding.name}", names)
        hit = _category(policy, policy.models, "model", "models", names)
        if hit is not None:
            rule, reason = hit
            yield _make(
                policy,
                rule,
                message=f"Model {model_id} is {reason}",
                path=finding.path,
                line=finding.line,
                subject=f"model:{model_id}",
                identity=model_id,
                keys=[*names, *providers],
                finding=finding,
            )

    if kind is FindingKind.MCP_SERVER:
        yield from _mcp_violations(finding, policy, details)

    if kind is FindingKind.AI_WORKFLOW:
        use, violations = _ci_violations(finding, policy, details)
        yield from violations

    if kind is FindingKind.SECRET:
        key_type = str(details.get("key_type") or finding.name)
        use = _Use(f"key {key_type}", subjects.secret_keys(key_type))
        if policy.secrets is not Action.OFF:
            shown = finding.redacted or "(redacted)"
            yield _make(
                policy,
                RULES["secret.hardcoded"],
                message=f"Hard-coded {key_type} key {shown}",
                path=finding.path,
                line=finding.line,
                subject=f"secret:{key_type}",
                identity=finding.fingerprint or f"{key_type}|{shown}",
                keys=[*use.keys, *providers],
                action=policy.secrets,
                finding=finding,
            )

    if use is not None and finding.provider:
        yield from _provider_violation(finding, policy, use)

    unscanned = details.get("unscanned") if finding.unsafe is None else None
    if (
        kind is FindingKind.MODEL_FILE
        and (finding.unsafe or unscanned)
        and policy.unsafe_model_files is not Action.OFF
    ):
        sha256 = str(details.get("sha256") or "")
        yield _make(
            policy,
            RULES["model-file.unsafe"],
            message=_model_file_message(finding, details),
            path=finding.path,
            line=finding.line,
            subject=f"model-file:{finding.path}",
            identity=sha256 or finding.name,
            keys=subjects.model_file_keys(finding.path, sha256),
            action=policy.unsafe_model_files,
            finding=finding,
        )


def _provider_violation(finding: Finding, policy: Policy, use: _Use) -> Iterator[Violation]:
    """The provider rule: a prohibited (or, in allowlist mode, unapproved) provider is broken by
    each use of it the scanner finds: packages, imports, model references, keys and CI steps."""
    provider = str(finding.provider)
    names = subjects.provider_keys(provider)
    hit = _category(policy, policy.providers, "provider", "providers", names)
    if hit is None:
        return
    rule, reason = hit
    secret = finding.kind is FindingKind.SECRET and finding.fingerprint
    identity = f"key:{finding.fingerprint}" if secret else use.via
    yield _make(
        policy,
        rule,
        message=f"AI provider {provider} ({use.via}) is {reason}",
        path=finding.path,
        line=finding.line,
        subject=f"provider:{provider}",
        identity=f"{provider}|{identity}",
        keys=[*names, *use.keys],
        finding=finding,
    )


def _model_file_message(finding: Finding, details: dict[str, Any]) -> str:
    """Why a model file fails: what it reaches, what else it imports, or why it could not be checked."""
    if not finding.unsafe:
        return (
            f"Model file {finding.path} could not be fully checked for code that runs when it is loaded "
            f"({details.get('unscanned')}); treat it as unsafe"
        )
    reached = [str(g) for g in details.get("dangerous_globals") or []]
    if reached:
        return f"Model file {finding.path} reaches {', '.join(reached)} when it is loaded"
    reasons = [str(r) for r in details.get("unsafe_reasons") or []]
    if reasons:
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return f"Model file {finding.path} is unsafe to load: {reasons[0]}{more}"
    return f"Model file {finding.path} reaches dangerous callables when it is loaded"


def _strip_version(package: str) -> str:
    """``@scope/pkg@1.2`` -> ``@scope/pkg``; ``pkg==1.2`` -> ``pkg``."""
    at = package.rfind("@")
    if at > 0:
        package = package[:at]
    return package.split("==", 1)[0]


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _mcp_violations(finding: Finding, policy: Policy, details: dict[str, Any]) -> Iterator[Violation]:
    name = finding.name
    package = str(details.get("package") or "")
    package_name = str(details.get("package_name") or "") or _strip_version(package)
    host = _host(str(details.get("url") or ""))
    names = subjects.mcp_keys(name, packages=(package, package_name), host=host, ecosystem=finding.ecosystem)
    config = policy.mcp_servers
    described = name + (f" ({package})" if package else f" ({host})" if host else "")
    hit = _category(policy, config, "mcp-server", "mcp_servers", names)
    if hit is not None:
        rule, reason = hit
        yield _make(
            policy,
            rule,
            message=f"MCP server {described} is {reason}",
            path=finding.path,
            line=finding.line,
            subject=f"mcp:{name}",
            identity=f"{name}|{package_name}|{host}",
            keys=[*names, *subjects.provider_keys(finding.provider)],
            finding=finding,
        )


def _ci_violations(finding: Finding, policy: Policy, details: dict[str, Any]) -> tuple[_Use, list[Violation]]:
    uses = str(details.get("uses") or "")
    image = str(details.get("image") or "")
    if not uses and not image:  # a job that receives a key, not an action: only its provider is judged
        return _Use(f"ci:{finding.name}", subjects.ci_keys(finding.name)), []
    bare_uses = uses.split("@", 1)[0]
    bare_image = image.split("@", 1)[0]
    if ":" in bare_image.rsplit("/", maxsplit=1)[-1]:
        bare_image = bare_image.rsplit(":", 1)[0]
    subject = bare_uses or bare_image
    names = subjects.ci_keys(subject, *(v for v in (uses, bare_uses, image, bare_image, finding.name) if v))
    use = _Use(f"ci:{finding.name}", names)
    hit = _category(policy, policy.ci_actions, "ci-action", "ci_actions", names)
    if hit is None:
        return use, []
    rule, reason = hit
    violation = _make(
        policy,
        rule,
        message=f"CI step {uses or image} is {reason}",
        path=finding.path,
        line=finding.line,
        subject=f"ci:{subject}",
        identity=f"{subject}|{details.get('job') or ''}",
        keys=[*names, *subjects.provider_keys(finding.provider)],
        finding=finding,
    )
    return use, [violation]


def _severity(value: str) -> Severity | None:
    try:
        return Severity(str(value).lower())
    except ValueError:
        return None


def _lint_violation(lint: LintFindingLike, policy: Policy) -> Violation | None:
    assert policy.agent_config is not None
    severity = _severity(lint.severity)
    if severity is None or severity.rank < policy.agent_config.fail_at.rank:
        return None
    rule = agent_config_rule(lint.rule_id, lint.title, lint.help, severity)
    return _make(
        policy,
        rule,
        message=lint.message,
        path=lint.path,
        line=lint.line,
        subject=f"agent-config:{lint.rule_id}",
        identity=str(getattr(lint, "fingerprint", "") or f"{lint.rule_id}|{lint.message}"),
        keys=subjects.agent_config_keys(lint.rule_id, lint.path),
        action=Action.BLOCK,
        lint=lint,
    )


def unparsed_violations(unparsed: Iterable[Unparsed], policy: Policy, *, allow: bool = False) -> list[Violation]:
    """One violation per manifest that could not be read fully: the check fails closed
    (``allow``: reported as a warning that does not fail)."""
    out: dict[str, Violation] = {}
    for item in unparsed:
        out.setdefault(
            item.path,
            _make(
                policy,
                RULES["manifest.unparsed"],
                message=f"{item.path} could not be read fully: {item.reason}. AI dependencies it declares "
                "may be missing from this check",
                path=item.path,
                line=None,
                subject=f"manifest:{item.path}",
                identity=item.path,
                keys=[f"manifest:{item.path}", item.path],
                action=Action.WARN if allow else Action.BLOCK,
            ),
        )
    return sorted(out.values(), key=Violation.sort_key)


def incomplete_violations(
    cut_short: Iterable[CutShort], stopped: str | None, policy: Policy, detected: Iterable[Violation] = ()
) -> list[Violation]:
    """One violation per file whose analysis a bound cut short, and one for a scan that stopped at its
    time budget: the check fails closed. A model file already failing as unsafe or not fully checked
    (``model-file.unsafe`` in ``detected``) is not reported twice."""
    covered = {v.path for v in detected if v.rule.id == "model-file.unsafe"}
    out: dict[str, Violation] = {}
    for item in cut_short:
        if item.path in covered or item.path in out:
            continue
        out[item.path] = _make(
            policy,
            RULES["scan.incomplete"],
            message=f"{item.path} was not analysed fully: {item.reason}. What it holds may be missing from "
            "this check",
            path=item.path,
            line=None,
            subject=f"scan:{item.path}",
            identity=item.path,
            keys=[f"scan:{item.path}", item.path],
            action=Action.BLOCK,
        )
    result = sorted(out.values(), key=Violation.sort_key)
    if stopped is not None:
        result.append(
            _make(
                policy,
                RULES["scan.incomplete"],
                message=f"The check is incomplete: {stopped}",
                path=".",
                line=None,
                subject="scan:.",
                identity="timeout",
                keys=["scan:."],
                action=Action.BLOCK,
            )
        )
    return result


# --- classification ----------------------------------------------------------------------------------


def classify(
    violations: Iterable[Violation],
    policy: Policy,
    *,
    today: date,
    existing: Collection[str] | None = None,
    baseline: Collection[str] = frozenset(),
) -> Evaluation:
    """Decide each violation's status.

    ``existing`` holds the fingerprints found at the diff base (``None`` outside
    diff mode); ``baseline`` the fingerprints accepted in a baseline file.
    """
    applied: dict[int, int] = {}
    expired: dict[int, int] = {}
    active = [(i, e) for i, e in enumerate(policy.exceptions) if not exc_rules.is_expired(e, today)]
    lapsed = [(i, e) for i, e in enumerate(policy.exceptions) if exc_rules.is_expired(e, today)]
    out: list[Violation] = []
    for violation in violations:
        covering = _covering(active, violation)
        if covering is not None:
            index, exception = covering
            applied[index] = applied.get(index, 0) + 1
            out.append(replace(violation, status=Status.EXCEPTED, exception=exception))
            continue
        old = _covering(lapsed, violation)
        if old is not None:
            expired[old[0]] = expired.get(old[0], 0) + 1
        lapsed_exception = old[1] if old is not None else None
        if violation.fingerprint in baseline:
            status = Status.BASELINED
        elif existing is not None and violation.fingerprint in existing:
            status = Status.EXISTING
        elif not violation.blocking:
            status = Status.WARNING
        elif old is not None:
            status = Status.EXPIRED_EXCEPTION
        else:
            status = Status.FAILING
        out.append(replace(violation, status=status, exception=lapsed_exception))

    uses: list[ExceptionUse] = []
    for index, exception in enumerate(policy.exceptions):
        if exc_rules.is_expired(exception, today):
            uses.append(ExceptionUse(exception, index, ExceptionState.EXPIRED, expired.get(index, 0)))
        elif index in applied:
            uses.append(ExceptionUse(exception, index, ExceptionState.APPLIED, applied[index]))
        else:
            uses.append(ExceptionUse(exception, index, ExceptionState.UNUSED, 0))
    return Evaluation(tuple(sorted(out, key=Violation.sort_key)), tuple(uses))


def _covering(
    candidates: list[tuple[int, PolicyException]], violation: Violation
) -> tuple[int, PolicyException] | None:
    for index, exception in candidates:
        if exc_rules.matches(
            exception,
            rule_id=violation.rule.id,
            path=violation.path,
            keys=violation.keys,
            fingerprint=violation.fingerprint,
        ):
            return index, exception
    return None


def evaluate(
    findings: Iterable[Finding],
    policy: Policy,
    *,
    today: date,
    lint_findings: Iterable[LintFindingLike] = (),
    existing: Collection[str] | None = None,
    baseline: Collection[str] = frozenset(),
    unparsed: Iterable[Unparsed] = (),
    allow_unparsed: bool = False,
    cut_short: Iterable[CutShort] = (),
    stopped: str | None = None,
) -> Evaluation:
    """:func:`detect` then :func:`classify`; manifests in ``unparsed`` fail unless ``allow_unparsed``;
    files in ``cut_short`` and a scan ``stopped`` at its time budget always fail."""
    detected = detect(findings, policy, lint_findings)
    return classify(
        [
            *detected,
            *unparsed_violations(unparsed, policy, allow=allow_unparsed),
            *incomplete_violations(cut_short, stopped, policy, detected),
        ],
        policy,
        today=today,
        existing=existing,
        baseline=baseline,
    )
