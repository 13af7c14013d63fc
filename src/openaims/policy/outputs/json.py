"""The check report as versioned JSON (``aims check --format json``)."""

from __future__ import annotations

import json
from typing import Any, Final

from openaims.policy.engine import Violation
from openaims.policy.outputs.common import summary
from openaims.policy.service import CheckReport

SCHEMA_ID: Final = "https://openaims.dev/schemas/check-report/v1"


def _violation(v: Violation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": v.rule.id,
        "title": v.rule.title,
        "severity": v.severity.value,
        "status": v.status.value,
        "blocking": v.blocking,
        "message": v.message,
        "path": v.path,
        "line": v.line,
        "subject": v.subject,
        "fingerprint": v.fingerprint,
    }
    if v.exception is not None:
        out["exception"] = {
            "match": v.exception.match,
            "owner": v.exception.owner,
            "expires": v.exception.expires.isoformat(),
        }
    if v.finding is not None:
        out["finding"] = v.finding.to_dict()
    if v.lint is not None:
        out["lint"] = {"rule_id": v.lint.rule_id, "severity": v.lint.severity, "help": v.lint.help}
    return out


def document(report: CheckReport) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    return {
        "schema": SCHEMA_ID,
        "root": str(report.root),
        "result": "fail" if report.failed else "pass",
        "exit_code": report.exit_code,
        "policy": {
            "source": str(report.policy.source) if report.policy.source else None,
            "description": report.policy.description,
            "fail_on": [s.value for s in report.policy.policy.fail_on],
        },
        "today": report.today.isoformat(),
        "diff": (
            {
                "base": report.diff_base,
                "staged": report.staged,
                "commit": report.diff_commit,
                "changed_files": list(report.changed_files or ()),
            }
            if report.diff_base is not None
            else None
        ),
        "baseline": str(report.baseline_file) if report.baseline_file else None,
        "summary": summary(report),
        "violations": [_violation(v) for v in report.evaluation.violations],
        "exceptions": [
            {
                "index": use.index,
                "match": use.exception.match,
                "rule": use.exception.rule,
                "paths": list(use.exception.paths),
                "owner": use.exception.owner,
                "reason": use.exception.reason,
                "expires": use.exception.expires.isoformat(),
                "id": use.exception.id,
                "state": use.state.value,
                "matched": use.matched,
            }
            for use in report.evaluation.exceptions
        ],
        "notes": list(report.notes),
        "stats": {"files_scanned": report.files_scanned, "duration_s": round(report.duration_s, 3)},
    }


def render(report: CheckReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
