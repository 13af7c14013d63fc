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
from openaims.discovery.interface import REPORT_SCHEMA

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
        "root": str(result.root.resolve()),
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
