"""Running the lint rules over a repository or over a scan's findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from openaims.discovery import sanitise
from openaims.discovery.interface import Finding, FindingKind, ScanOptions
from openaims.errors import UsageError
from openaims.lint.documents import documents_from_findings, settings_documents
from openaims.lint.interface import Document, LintFinding, Severity, make_fingerprint
from openaims.lint.rules import all_rules

_SCAN_KINDS = frozenset({FindingKind.AGENT_INSTRUCTIONS, FindingKind.MCP_SERVER})


def lint_documents(docs: Sequence[Document]) -> list[LintFinding]:
    """Every rule over the documents; results sorted by path, line and rule."""
    single, cross = all_rules()
    results: list[LintFinding] = []
    for doc in docs:
        for rule in single:
            if doc.kind not in rule.applies_to:
                continue
            for issue in rule.check(doc):
                results.append(
                    LintFinding(
                        rule_id=rule.id,
                        title=rule.title,
                        severity=issue.severity or rule.severity,
                        path=doc.path,
                        line=issue.line,
                        message=issue.message,
                        help=rule.help,
                        fingerprint=make_fingerprint(rule.id, doc.path, issue.anchor),
                    )
                )
    for cross_rule in cross:
        for doc, issue, related in cross_rule.check_all(docs):
            results.append(
                LintFinding(
                    rule_id=cross_rule.id,
                    title=cross_rule.title,
                    severity=issue.severity or cross_rule.severity,
                    path=doc.path,
                    line=issue.line,
                    message=issue.message,
                    help=cross_rule.help,
                    fingerprint=make_fingerprint(cross_rule.id, doc.path, issue.anchor),
                    related=related,
                )
            )
    unique = {f.fingerprint: _masked(f) for f in results}
    return sorted(unique.values(), key=lambda f: (f.path, f.line or 0, f.rule_id, f.message))


def _masked(finding: LintFinding) -> LintFinding:
    """The finding with keys and URL credentials masked in what it quotes from the files."""
    return dataclasses.replace(
        finding,
        path=sanitise.text(finding.path),
        message=sanitise.text(finding.message),
        related=tuple(sanitise.text(path) for path in finding.related),
    )


def lint_findings(
    root: Path, findings: Iterable[Finding], paths: Sequence[str] | None = None
) -> list[LintFinding]:
    """Lint the instruction files and MCP configs a scan already found (no rescan)."""
    docs = documents_from_findings(root, findings)
    docs.extend(settings_documents(root, paths))
    return lint_documents(docs)


def run_lint(root: Path, paths: Iterable[str] | None = None) -> list[LintFinding]:
    """Find the agent files under ``root`` (or among ``paths``) and lint them."""
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")
    from openaims.discovery.registry import all_detectors
    from openaims.discovery.scanner import Scanner

    detectors = [d for d in all_detectors() if d.kinds & _SCAN_KINDS]
    wanted = list(paths) if paths is not None else None
    result = Scanner(ScanOptions(root=root), jobs=1, detectors=detectors).scan(wanted)
    return lint_findings(root, result.findings, wanted)


def at_or_above(findings: Iterable[LintFinding], threshold: Severity) -> list[LintFinding]:
    return [f for f in findings if f.severity.rank >= threshold.rank]
