"""SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps).

Built as plain dicts and validated against the official schema in the tests:
the SARIF object-model packages on PyPI are unmaintained (``sarif-om``, last
released 2019) or incomplete (no ``suppressions`` array), so the format is
written here, kept small, and pinned by schema validation and golden files.

Each rule carries its help text and ``security-severity``; each result its
location, a ``partialFingerprints`` entry that ignores line numbers (so code
scanning de-duplicates across runs and line moves), a URI relative to the top of the
git repository (so a check of a subdirectory still points at the right file), ``baselineState`` in diff
and baseline mode, and ``suppressions`` when an exception or the baseline
accepted it, so UIs show it as suppressed rather than hiding it.
"""

from __future__ import annotations

import json
from typing import Any, Final

from openaims import __version__
from openaims.policy.engine import Status, Violation
from openaims.policy.fingerprint import FINGERPRINT_KEY
from openaims.policy.outputs.common import enabled_rules, exception_line, severity_of
from openaims.policy.rules import Rule
from openaims.policy.schema import Severity
from openaims.policy.service import CheckReport

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION: Final = "2.1.0"

#: GitHub reads ``security-severity`` (0-10) to rank alerts as low/medium/high/critical.
SECURITY_SEVERITY: Final = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL: Final = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _rule(rule: Rule, severity: Severity) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title} (policy setting '{rule.setting}')."},
        "help": {"text": rule.help, "markdown": f"**{rule.title}**\n\n{rule.help}"},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": ["security", "ai-policy", rule.setting],
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": "error" if LEVEL[severity] == "error" else "warning",
        },
    }


def _result(v: Violation, index: int, *, compared: bool, prefix: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": prefix + v.path, "uriBaseId": "%SRCROOT%"}}
    if v.line:
        physical["region"] = {"startLine": v.line}
    level = "error" if v.status.fails else "warning" if v.status is Status.WARNING else LEVEL[v.severity]
    result: dict[str, Any] = {
        "ruleId": v.rule.id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": v.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: v.fingerprint},
        "properties": {"status": v.status.value, "severity": v.severity.value, "subject": v.subject},
    }
    if compared:
        result["baselineState"] = "unchanged" if v.status in {Status.EXISTING, Status.BASELINED} else "new"
    if v.status is Status.EXCEPTED and v.exception is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": (
                    f"Policy exception (owner {v.exception.owner}, expires {v.exception.expires}): "
                    f"{v.exception.reason}"
                ),
            }
        ]
    elif v.status is Status.BASELINED:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": "Accepted in the baseline file"}
        ]
    if v.exception is not None and v.status is not Status.EXCEPTED:
        result["properties"]["expiredException"] = {
            "match": v.exception.match,
            "owner": v.exception.owner,
            "expires": v.exception.expires.isoformat(),
        }
    return result


def document(report: CheckReport) -> dict[str, Any]:
    policy = report.policy.policy
    rules: list[Rule] = list(enabled_rules(policy))
    seen = {r.id for r in rules}
    for v in report.evaluation.violations:
        if v.rule.id not in seen:
            rules.append(v.rule)
            seen.add(v.rule.id)
    index = {r.id: i for i, r in enumerate(rules)}
    compared = report.diff_base is not None or report.baseline_file is not None
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "OpenAIMS",
                "fullName": "OpenAIMS AI policy check",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(r, severity_of(policy, r)) for r in rules],
            }
        },
        "automationDetails": {"id": "openaims/check/"},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": True,
                "exitCode": report.exit_code,
                "toolExecutionNotifications": [
                    {"level": "note", "message": {"text": note}} for note in report.notes
                ]
                + [
                    {
                        "level": "warning" if use.state.value == "expired" else "note",
                        "message": {"text": exception_line(use)},
                    }
                    for use in report.evaluation.exceptions
                ],
            }
        ],
        "results": [
            _result(v, index[v.rule.id], compared=compared, prefix=report.repo_prefix)
            for v in report.evaluation.violations
        ],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: CheckReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
