"""The JSON scan report: a versioned public contract.

``docs/scan-report.md`` documents every field and
``docs/schemas/scan-report-v1.json`` is its JSON Schema. A change that removes or
renames a field, or changes its meaning, needs a new schema version (and an
upgrade step for reports already written); adding an optional field does not.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from openaims import __version__
from openaims.discovery import sanitise
from openaims.discovery.interface import REPORT_SCHEMA, Finding, FindingKind
from openaims.errors import UsageError

if TYPE_CHECKING:
    from openaims.discovery.scanner import ScanResult

TOOL_NAME = "openaims"


def _timestamp(moment: datetime | None) -> str:
    when = (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_report(result: ScanResult, *, generated_at: datetime | None = None) -> dict[str, Any]:
    """The report of one scan as a JSON-ready dict."""
    options = result.options
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "root": sanitise.text(str(result.root.resolve())),
        "generated_at": _timestamp(generated_at),
        "scope": {
            "since": result.since,
            "include_vendored": options.include_vendored,
            "max_text_bytes": options.max_text_bytes,
            "max_binary_bytes": options.max_binary_bytes,
        },
        "stats": result.stats.to_dict(),
        "findings": [finding.to_dict() for finding in result.findings],
    }


def render_json(report: dict[str, Any]) -> str:
    """The report as pretty-printed JSON text (UTF-8, stable key order, final newline)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


_FINDING_FIELDS = (
    "ecosystem",
    "version",
    "provider",
    "category",
    "format",
    "unsafe",
    "redacted",
    "fingerprint",
    "direct",
)


def findings_from_report(report: Any) -> list[Finding]:
    """The findings of a JSON scan report (as pushed by a CI job), validated.

    Raises UsageError naming the first problem; the report's schema must be the one
    this version writes.
    """
    if not isinstance(report, dict) or report.get("schema") != REPORT_SCHEMA:
        raise UsageError(f"not an OpenAIMS scan report: 'schema' must be {REPORT_SCHEMA!r} (aims scan --format json)")
    items = report.get("findings")
    if not isinstance(items, list):
        raise UsageError("the scan report has no 'findings' list")
    findings: list[Finding] = []
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise TypeError("not an object")
            line = item.get("line")
            details = item.get("details") or {}
            if not isinstance(details, dict) or not (line is None or isinstance(line, int)):
                raise TypeError("bad line or details")
            extra = {k: item[k] for k in _FINDING_FIELDS if item.get(k) is not None}
            findings.append(
                sanitise.finding(
                    Finding(
                        kind=FindingKind(item["kind"]),
                        name=str(item["name"]),
                        path=str(item["path"]),
                        line=line,
                        detector=str(item.get("detector", "pushed")),
                        details=details,
                        **extra,
                    )
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"finding {index} of the scan report is not valid: {exc}") from None
    return findings
