"""Check report formats, one module each, dispatched exhaustively."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, assert_never

if TYPE_CHECKING:  # the report model is only needed when rendering
    from openaims.policy.service import CheckReport


class OutputFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    GITHUB = "github"


def render(report: CheckReport, fmt: OutputFormat) -> str:
    """The report in ``fmt``, as text."""
    if fmt is OutputFormat.TEXT:
        from openaims.policy.outputs import text

        return text.render(report)
    if fmt is OutputFormat.JSON:
        from openaims.policy.outputs import json

        return json.render(report)
    if fmt is OutputFormat.SARIF:
        from openaims.policy.outputs import sarif

        return sarif.render(report)
    if fmt is OutputFormat.JUNIT:
        from openaims.policy.outputs import junit

        return junit.render(report)
    if fmt is OutputFormat.GITHUB:
        from openaims.policy.outputs import github

        return github.render(report)
    assert_never(fmt)
