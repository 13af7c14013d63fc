"""``aims lint``: the agent-configuration linter."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import assert_never

import typer
from rich.text import Text

from openaims.cli.console import console, write_file
from openaims.errors import UsageError
from openaims.layout import Column
from openaims.layout import print_table as print_fitted
from openaims.lint import LintFinding, Severity, run_lint
from openaims.lint.engine import at_or_above

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


class LintFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


_COLUMNS = (
    Column("Severity"),
    Column("Rule"),
    Column("Location", min_width=24, cut="left"),
    Column("Issue", under=True, wrap=True, style="none"),
)


def _render_text(findings: list[LintFinding], failing: list[LintFinding], fail_at: Severity) -> None:
    if not findings:
        console.print("No agent-configuration issues found.")
        return
    rows = []
    for f in findings:
        where = f"{f.path}:{f.line}" if f.line else f.path
        rows.append((Text(f.severity.value, style=_STYLE[f.severity]), f.rule_id, where, f"{f.title}: {f.message}"))
    print_fitted(console, _COLUMNS, rows, title="Agent configuration issues")
    by_severity = {s: sum(1 for f in findings if f.severity is s) for s in reversed(Severity)}
    summary = ", ".join(f"{n} {s.value}" for s, n in by_severity.items() if n)
    console.print(f"{len(findings)} issues ({summary}); {len(failing)} at or above {fail_at.value}.")


def lint_command(
    path: Path = typer.Argument(Path("."), help="Repository or directory to lint."),
    output_format: LintFormat = typer.Option(
        LintFormat.TEXT, "--format", "-f", envvar="AIMS_LINT_FORMAT", help="Output format."
    ),
    fail_at: Severity = typer.Option(
        Severity.HIGH,
        "--fail-at",
        envvar="AIMS_LINT_FAIL_AT",
        case_sensitive=False,
        help="Exit 1 when an issue is at or above this severity.",
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
) -> None:
    """Check agent instruction files, MCP configurations and agent settings for risky content.

    Exit 0 when no issue reaches --fail-at, 1 when one does, 2 for bad input.
    """
    threshold = fail_at
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    findings = run_lint(path)
    failing = at_or_above(findings, threshold)
    if output_format is LintFormat.TEXT:
        if output is not None:
            raise UsageError("--output needs --format json")
        _render_text(findings, failing, threshold)
    elif output_format is LintFormat.JSON:
        report = {
            "schema": "https://openaims.dev/schemas/lint-report/v1",
            "root": str(path),
            "fail_at": threshold.value,
            "failing": len(failing),
            "findings": [f.to_dict() for f in findings],
        }
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        if output is not None:
            write_file(output, text)
        else:
            typer.echo(text, nl=False)
    else:
        assert_never(output_format)
    if failing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
