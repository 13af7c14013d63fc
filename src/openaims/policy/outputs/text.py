"""The check report for people: a rich table, the exceptions, one verdict line."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

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


def print_report(report: CheckReport, console: Console) -> None:
    console.print(Text.assemble(("Policy: ", "bold"), printable(report.policy.description)), soft_wrap=True)
    console.print(
        Text.assemble(("Checked: ", "bold"), printable(f"{report.root} ({mode_line(report)})")), soft_wrap=True
    )
    for note in report.notes:
        console.print(Text(printable(note), style="yellow"), soft_wrap=True)
    violations = report.evaluation.violations
    if violations:
        table = Table(title="Policy violations", title_justify="left", show_lines=False, expand=False)
        table.add_column("Status", no_wrap=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Location", overflow="fold")
        table.add_column("Message", overflow="fold")
        for v in violations:
            table.add_row(
                Text(v.status.value, style=_STATUS_STYLE[v.status]),
                v.severity.value,
                Text(printable(v.rule.id)),
                Text(printable(location(v.path, v.line))),
                Text(printable(v.message)),
            )
        console.print(table)
    uses = report.evaluation.exceptions
    if uses:
        table = Table(title="Policy exceptions", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("Match", overflow="fold")
        table.add_column("Owner", overflow="fold")
        table.add_column("Expires", no_wrap=True)
        table.add_column("State", no_wrap=True)
        table.add_column("Covers", justify="right")
        table.add_column("Reason", overflow="fold")
        for use in uses:
            style = {
                ExceptionState.APPLIED: "cyan",
                ExceptionState.EXPIRED: "bold red",
                ExceptionState.UNUSED: "dim",
            }
            table.add_row(
                str(use.index + 1),
                Text(printable(use.exception.match)),
                Text(printable(use.exception.owner)),
                use.exception.expires.isoformat(),
                Text(use.state.value, style=style[use.state]),
                str(use.matched),
                Text(printable(use.exception.reason)),
            )
        console.print(table)
    console.print(Text(printable(verdict(report)), style="bold red" if report.failed else "bold green"), soft_wrap=True)


def render(report: CheckReport, *, width: int = 120) -> str:
    """The report as plain text (for ``-o FILE``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, force_terminal=False)
    print_report(report, console)
    return buffer.getvalue()
