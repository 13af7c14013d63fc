"""The check report for people: a rich table, the exceptions, one verdict line."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from openaims.layout import Column, print_table
from openaims.policy.engine import ExceptionState, Status
from openaims.policy.outputs.common import location, mode_line, verdict
from openaims.policy.service import CheckReport
from openaims.untrusted.display import printable

_STATUS_STYLE = {
    Status.FAILING: "bold red",
    Status.EXPIRED_EXCEPTION: "bold red",
    Status.WARNING: "yellow",
    Status.EXISTING: "dim",
    Status.BASELINED: "dim",
    Status.EXCEPTED: "cyan",
}


_EXCEPTION_STYLE = {
    ExceptionState.APPLIED: "cyan",
    ExceptionState.EXPIRED: "bold red",
    ExceptionState.UNUSED: "dim",
}

#: Narrow terminals: locations shortened from the left, messages wrapped under their row.
_VIOLATION_COLUMNS = (
    Column("Status"),
    Column("Severity", drop=1),
    Column("Rule"),
    Column("Location", min_width=24, cut="left"),
    Column("Message", under=True, wrap=True, style="none"),
)
_EXCEPTION_COLUMNS = (
    Column("#", justify="right"),
    Column("Match", min_width=16),
    Column("Owner", min_width=10, drop=2),
    Column("Expires"),
    Column("State"),
    Column("Covers", justify="right", drop=1),
    Column("Reason", under=True, wrap=True, style="none"),
)


def print_report(report: CheckReport, console: Console) -> None:
    console.print(Text.assemble(("Policy: ", "bold"), printable(report.policy.description)), soft_wrap=True)
    console.print(
        Text.assemble(("Checked: ", "bold"), printable(f"{report.root} ({mode_line(report)})")), soft_wrap=True
    )
    for note in report.notes:
        console.print(Text(printable(note), style="yellow"), soft_wrap=True)
    violations = report.evaluation.violations
    if violations:
        rows = [
            (Text(v.status.value, style=_STATUS_STYLE[v.status]), v.severity.value, v.rule.id,
             location(v.path, v.line), v.message)
            for v in violations
        ]  # fmt: skip
        print_table(console, _VIOLATION_COLUMNS, rows, title="Policy violations")
    uses = report.evaluation.exceptions
    if uses:
        exception_rows = [
            (str(use.index + 1), use.exception.match, use.exception.owner, use.exception.expires.isoformat(),
             Text(use.state.value, style=_EXCEPTION_STYLE[use.state]), str(use.matched), use.exception.reason)
            for use in uses
        ]  # fmt: skip
        print_table(console, _EXCEPTION_COLUMNS, exception_rows, title="Policy exceptions")
    console.print(Text(printable(verdict(report)), style="bold red" if report.failed else "bold green"), soft_wrap=True)


def render(report: CheckReport, *, width: int = 120) -> str:
    """The report as plain text (for ``-o FILE``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, force_terminal=False)
    print_report(report, console)
    return buffer.getvalue()
