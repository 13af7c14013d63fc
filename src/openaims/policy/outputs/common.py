"""Facts every report format shows the same way."""

from __future__ import annotations

from openaims.policy.engine import ExceptionState, ExceptionUse, Status
from openaims.policy.rules import RULES, Rule
from openaims.policy.schema import Action, Mode, Policy, Severity
from openaims.policy.service import CheckReport

#: Status order in summaries.
STATUS_ORDER: tuple[Status, ...] = (
    Status.FAILING,
    Status.EXPIRED_EXCEPTION,
    Status.WARNING,
    Status.EXISTING,
    Status.BASELINED,
    Status.EXCEPTED,
)


def summary(report: CheckReport) -> dict[str, int]:
    return {status.value: report.evaluation.count(status) for status in STATUS_ORDER}


def verdict(report: CheckReport) -> str:
    """One line: what failed, and what was set aside."""
    counts = summary(report)
    failing = counts["failing"] + counts["expired-exception"]
    parts = [f"{n} {name.replace('-', ' ')}" for name, n in counts.items() if n]
    detail = f" ({', '.join(parts)})" if parts else ""
    if failing:
        noun = "violation fails" if failing == 1 else "violations fail"
        return f"FAIL: {failing} {noun} the policy{detail}"
    return f"PASS: no violation fails the policy{detail}"


def mode_line(report: CheckReport) -> str:
    if report.diff_base is not None:
        changed = len(report.changed_files or ())
        short = (report.diff_commit or "")[:12]
        what = "staged changes" if report.staged else "changes"
        line = f"{what} since {report.diff_base} ({short}): {changed} file{'s' if changed != 1 else ''}"
    else:
        line = "whole tree"
    if report.baseline_file is not None:
        line += f", baseline {report.baseline_file}"
    return line


def exception_line(use: ExceptionUse) -> str:
    e = use.exception
    state = {
        ExceptionState.APPLIED: f"applied to {use.matched}",
        ExceptionState.EXPIRED: (
            f"EXPIRED on {e.expires.isoformat()}, no longer applies ({use.matched} affected)"
        ),
        ExceptionState.UNUSED: "matched nothing",
    }[use.state]
    return (
        f"exception #{use.index + 1} {e.match!r} (owner {e.owner}, expires {e.expires.isoformat()}): {state}"
    )


def enabled_rules(policy: Policy) -> list[Rule]:
    """Built-in rules the policy switches on."""
    out: list[Rule] = []
    for key, plural in (
        ("provider", "providers"),
        ("model", "models"),
        ("package", "packages"),
        ("mcp-server", "mcp_servers"),
        ("ci-action", "ci_actions"),
    ):
        config = getattr(policy, plural)
        if config.prohibited:
            out.append(RULES[f"{key}.prohibited"])
        if config.mode is Mode.ALLOWLIST:
            out.append(RULES[f"{key}.unapproved"])
    if policy.secrets is not Action.OFF:
        out.append(RULES["secret.hardcoded"])
    if policy.unsafe_model_files is not Action.OFF:
        out.append(RULES["model-file.unsafe"])
    return out


def severity_of(policy: Policy, rule: Rule) -> Severity:
    return policy.severity_of(rule.id, rule.default_severity)


def location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path
