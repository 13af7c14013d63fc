"""Policy compliance across repositories: check results, violations over time, and the summary
the dashboard shows [9.1].

A check result is one policy check of one repository (from an organisation scan job or
pushed by CI with ``aims check --push``). Each violation it reports is tracked per
repository by its fingerprint: when it was first and last seen, and when a complete
check no longer found it (remediated), which gives the time to remediate.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.discovery import sanitise
from openaims.errors import PermissionDeniedError, UsageError
from openaims.policy.layered import LayeredEvaluation
from openaims.register.actors import Actor, Permission
from openaims.register.models.base import utcnow
from openaims.register.models.org import CheckResult, PolicyViolation
from openaims.register.models.policy_exceptions import PolicyExceptionRecord

#: Statuses of a violation that fail a check.
FAILING = frozenset({"failing", "expired-exception"})
#: Statuses a pushed violation may have (the check report's vocabulary).
STATUSES = frozenset({"failing", "expired-exception", "warning", "existing", "baselined", "excepted"})
ORIGINS = frozenset({"organisation", "repository"})
#: Most violations one check result keeps.
MAX_VIOLATIONS = 5000
#: Exceptions expiring within this many days are flagged on the dashboard.
EXPIRING_DAYS = 30


@dataclass(frozen=True, slots=True)
class ViolationIn:
    """One violation of a check, as services record it."""

    rule: str
    severity: str
    status: str
    subject: str
    path: str
    line: int | None
    fingerprint: str
    message: str
    origin: str = "repository"
    excepted_by: str | None = None
    exception_expires: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "severity": self.severity, "status": self.status, "subject": self.subject,
            "path": self.path, "line": self.line, "fingerprint": self.fingerprint, "message": self.message,
            "origin": self.origin, "excepted_by": self.excepted_by,
            "exception_expires": self.exception_expires.isoformat() if self.exception_expires else None,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A check result to record."""

    repository: str
    origin: str
    violations: Sequence[ViolationIn]
    findings: int = 0
    commit: str | None = None
    job_id: str | None = None
    policy_version: str | None = None
    #: The whole tree was checked: violations it does not report are remediated.
    complete: bool = True


@dataclass(frozen=True, slots=True)
class CheckOut:
    id: int
    repository: str
    commit: str | None
    origin: str
    failed: bool
    counts: dict[str, int]
    recorded_at: dt.datetime
    new: int = 0
    remediated: int = 0


def violations_of(layered: LayeredEvaluation) -> list[ViolationIn]:
    """The violations of a (two-policy) evaluation, as check results record them."""
    out: list[ViolationIn] = []
    for violation in layered.evaluation.violations:
        exception = violation.exception
        excepted_by = None
        if exception is not None:
            excepted_by = exception.id or (
                "aims-policy.yaml" if layered.origin(violation).value == "repository" else "organisation policy"
            )
        out.append(
            ViolationIn(
                rule=violation.rule.id,
                severity=violation.severity.value,
                status=violation.status.value,
                subject=violation.subject,
                path=violation.path,
                line=violation.line,
                fingerprint=violation.fingerprint,
                message=violation.message,
                origin=layered.origin(violation).value,
                excepted_by=excepted_by,
                exception_expires=exception.expires
                if exception is not None and exception.expires != dt.date.max
                else None,
            )
        )
    return out


def _clean(value: str, limit: int) -> str:
    return sanitise.text(value)[:limit]


def record_check(session: Session, actor: Actor, check: CheckIn, *, now: dt.datetime | None = None) -> CheckOut:
    """Record one check result and move its repository's violations on (caller's transaction).

    Admins, AIMS managers and CI service accounts may record check results. A job id is
    recorded once: a second result for the same job is refused with ConflictError by the
    database (callers check :func:`result_for_job` first).
    """
    if not actor.may(Permission.PUSH_CHECK_RESULTS):
        raise PermissionDeniedError(
            f"{actor.describe()} may not record check results; an admin, an AIMS manager or a CI service "
            "account (role 'ci') pushes them"
        )
    if check.origin not in {"org-scan", "ci"}:
        raise UsageError(f"unknown check origin {check.origin!r}")
    if len(check.violations) > MAX_VIOLATIONS:
        raise UsageError(f"a check result holds at most {MAX_VIOLATIONS} violations ({len(check.violations)} given)")
    moment = now or utcnow()
    repository = _clean(check.repository, 400)
    items = [_checked(v) for v in check.violations]
    counts = dict(Counter(v.status for v in items))
    failed = any(v.status in FAILING for v in items)
    row = CheckResult(
        repository=repository,
        commit=check.commit,
        origin=check.origin,
        job_id=check.job_id,
        policy_version=check.policy_version,
        recorded_at=moment,
        actor=actor.name,
        failed=failed,
        findings=check.findings,
        counts=counts,
        violations=[v.to_dict() for v in items],
    )
    session.add(row)
    new, remediated = _track(session, repository, items, moment, complete=check.complete)
    session.flush()
    return CheckOut(row.id, repository, check.commit, check.origin, failed, counts, moment, new, remediated)


def _checked(item: ViolationIn) -> ViolationIn:
    if item.status not in STATUSES:
        raise UsageError(f"unknown violation status {item.status!r} (one of {', '.join(sorted(STATUSES))})")
    if item.origin not in ORIGINS:
        raise UsageError(f"unknown violation origin {item.origin!r} (organisation or repository)")
    return ViolationIn(
        rule=_clean(item.rule, 120),
        severity=_clean(item.severity, 20),
        status=item.status,
        subject=_clean(item.subject, 400),
        path=_clean(item.path, 2000),
        line=item.line,
        fingerprint=_clean(item.fingerprint, 128),
        message=_clean(item.message, 2000),
        origin=item.origin,
        excepted_by=_clean(item.excepted_by, 200) if item.excepted_by else None,
        exception_expires=item.exception_expires,
    )


def _track(
    session: Session, repository: str, items: Iterable[ViolationIn], moment: dt.datetime, *, complete: bool
) -> tuple[int, int]:
    rows = {
        row.fingerprint: row
        for row in session.execute(select(PolicyViolation).where(PolicyViolation.repository == repository)).scalars()
    }
    seen: set[str] = set()
    new = 0
    for item in items:
        if item.fingerprint in seen:
            continue
        seen.add(item.fingerprint)
        row = rows.get(item.fingerprint)
        if row is None:
            row = PolicyViolation(repository=repository, fingerprint=item.fingerprint, first_seen=moment)
            session.add(row)
            new += 1
        elif row.status == "remediated":
            row.first_seen, row.remediated_at = moment, None
            new += 1
        row.rule, row.severity, row.subject = item.rule, item.severity, item.subject
        row.path, row.line, row.message, row.origin = item.path, item.line, item.message, item.origin
        row.status, row.excepted_by, row.exception_expires = item.status, item.excepted_by, item.exception_expires
        row.last_seen = moment
    remediated = 0
    if complete:
        for fingerprint, row in rows.items():
            if fingerprint not in seen and row.status != "remediated":
                row.status, row.remediated_at = "remediated", moment
                remediated += 1
    return new, remediated


def result_for_job(session: Session, job_id: str) -> int | None:
    """The id of the check result a job wrote, if it wrote one."""
    return session.execute(select(CheckResult.id).where(CheckResult.job_id == job_id)).scalar_one_or_none()


def latest_checks(session: Session, repositories: Iterable[str] | None = None) -> dict[str, CheckResult]:
    """The newest check result of each repository."""
    newest = (
        select(CheckResult.repository, func.max(CheckResult.id).label("last"))
        .group_by(CheckResult.repository)
        .subquery()
    )
    query = select(CheckResult).join(newest, CheckResult.id == newest.c.last)
    wanted = list(repositories) if repositories is not None else None
    if wanted is not None:
        query = query.where(CheckResult.repository.in_(wanted))
    return {row.repository: row for row in session.execute(query).scalars()}


# ------------------------------------------------------------------ the dashboard's view
@dataclass(frozen=True, slots=True)
class RuleRow:
    rule: str
    failing: int
    warnings: int
    excepted: int
    repositories: int


@dataclass(frozen=True, slots=True)
class RepositoryRow:
    repository: str
    failing: int
    warnings: int
    excepted: int
    last_check: dt.datetime | None
    commit: str | None
    origin: str | None

    @property
    def compliant(self) -> bool:
        return self.failing == 0


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    id: str
    match: str
    rule: str | None
    repositories: list[str]
    owner: str | None
    status: str
    expires: dt.date | None
    #: Days until it expires (negative: expired that many days ago).
    days_left: int | None
    #: Violations it excuses now.
    covers: int


@dataclass(frozen=True, slots=True)
class Compliance:
    """Policy compliance across the repositories that were checked."""

    repositories: list[RepositoryRow]
    rules: list[RuleRow]
    exceptions: list[ExceptionRow]
    remediated: int
    #: Days from first seen to remediated, over remediated violations.
    remediation_days_median: float | None
    remediation_days_mean: float | None
    open_oldest_days: float | None
    policy_version: str | None
    by_origin: dict[str, int] = field(default_factory=dict)

    @property
    def checked(self) -> int:
        return len(self.repositories)

    @property
    def compliant(self) -> int:
        return sum(1 for r in self.repositories if r.compliant)

    @property
    def failing_repositories(self) -> int:
        return self.checked - self.compliant

    @property
    def compliance_pct(self) -> float | None:
        return round(100.0 * self.compliant / self.checked, 1) if self.checked else None


def compliance(session: Session, *, today: dt.date | None = None, now: dt.datetime | None = None) -> Compliance:
    """Violations by rule and repository, exceptions and their expiry, time to remediate."""
    moment = now or utcnow()
    day = today or moment.date()
    latest = latest_checks(session)
    rows = list(session.execute(select(PolicyViolation)).scalars())
    per_repo: dict[str, Counter[str]] = defaultdict(Counter)
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    rule_repos: dict[str, set[str]] = defaultdict(set)
    covered: Counter[str] = Counter()
    by_origin: Counter[str] = Counter()
    durations: list[float] = []
    oldest: float | None = None
    for row in rows:
        if row.status == "remediated":
            if row.remediated_at is not None:
                durations.append((row.remediated_at - row.first_seen).total_seconds() / 86400)
            continue
        bucket = "failing" if row.status in FAILING else "excepted" if row.status == "excepted" else "warnings"
        if row.status in {"existing", "baselined"}:
            bucket = "warnings"
        per_repo[row.repository][bucket] += 1
        per_rule[row.rule][bucket] += 1
        if bucket == "failing":
            rule_repos[row.rule].add(row.repository)
            by_origin[row.origin] += 1
            age = (moment - row.first_seen).total_seconds() / 86400
            oldest = age if oldest is None else max(oldest, age)
        if row.status == "excepted" and row.excepted_by:
            covered[row.excepted_by] += 1
    repositories = sorted(
        (
            RepositoryRow(
                repository=name,
                failing=per_repo[name]["failing"],
                warnings=per_repo[name]["warnings"],
                excepted=per_repo[name]["excepted"],
                last_check=check.recorded_at,
                commit=check.commit,
                origin=check.origin,
            )
            for name, check in latest.items()
        ),
        key=lambda r: (-r.failing, -r.warnings, r.repository),
    )
    rules = sorted(
        (
            RuleRow(rule, c["failing"], c["warnings"], c["excepted"], len(rule_repos[rule]))
            for rule, c in per_rule.items()
        ),
        key=lambda r: (-r.failing, -r.warnings, r.rule),
    )
    exceptions = _exceptions(session, day, covered)
    policy_versions = [c.policy_version for c in latest.values() if c.policy_version]
    return Compliance(
        repositories=repositories,
        rules=rules,
        exceptions=exceptions,
        remediated=len(durations),
        remediation_days_median=round(statistics.median(durations), 2) if durations else None,
        remediation_days_mean=round(statistics.fmean(durations), 2) if durations else None,
        open_oldest_days=round(oldest, 1) if oldest is not None else None,
        policy_version=max(policy_versions, key=_version_number) if policy_versions else None,
        by_origin=dict(by_origin),
    )


def _version_number(version_id: str) -> int:
    tail = version_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _exceptions(session: Session, day: dt.date, covered: Mapping[str, int]) -> list[ExceptionRow]:
    records = session.execute(
        select(PolicyExceptionRecord).where(PolicyExceptionRecord.status.in_(["requested", "approved"]))
    ).scalars()
    out = [
        ExceptionRow(
            id=r.id,
            match=r.match,
            rule=r.rule,
            repositories=list(r.repositories or []),
            owner=r.owner,
            status=r.status if r.expires is None or r.expires >= day else "expired",
            expires=r.expires,
            days_left=(r.expires - day).days if r.expires else None,
            covers=covered.get(r.id, 0),
        )
        for r in records
    ]
    return sorted(out, key=lambda e: (e.expires or dt.date.max, e.id))
