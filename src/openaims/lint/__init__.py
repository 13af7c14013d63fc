"""Agent-configuration linter: rules with stable ids over agent instruction files,
MCP configurations and agent settings."""

from openaims.lint.engine import lint_documents, lint_findings, run_lint
from openaims.lint.interface import LintFinding, Severity

__all__ = ["LintFinding", "Severity", "lint_documents", "lint_findings", "run_lint"]
