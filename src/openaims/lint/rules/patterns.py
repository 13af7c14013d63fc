"""Text-pattern rules (prompt injection, exfiltration, download-and-execute...),
loaded from ``patterns.yaml``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from openaims.lint.interface import Document, DocumentKind, Issue, Rule, Severity
from openaims.untrusted import read_yaml

_MAX_EXCERPT = 120


class PatternRule(Rule):
    """A rule that flags lines matching any of its regexes."""

    applies_to = frozenset({DocumentKind.INSTRUCTIONS, DocumentKind.MCP_CONFIG})

    def __init__(self, rule_id: str, title: str, severity: Severity, help_text: str, patterns: list[str]):
        self.id = rule_id
        self.title = title
        self.severity = severity
        self.help = help_text
        self._regexes = [re.compile(p, re.IGNORECASE) for p in patterns]

    def check(self, doc: Document) -> Iterable[Issue]:
        for number, line in enumerate(doc.text.splitlines(), start=1):
            for regex in self._regexes:
                match = regex.search(line)
                if match is None:
                    continue
                excerpt = excerpt_of(line, match.start(), match.end())
                yield Issue(line=number, message=f"found {excerpt}", anchor=match.group(0).lower())
                break


def excerpt_of(line: str, start: int, end: int) -> str:
    """The matched part of a line, shortened, in quotes."""
    text = line[start:end].strip()
    if len(text) > _MAX_EXCERPT:
        text = text[: _MAX_EXCERPT - 1] + "…"
    return f'"{text}"'


@cache
def load_rules() -> tuple[PatternRule, ...]:
    raw = resources.files("openaims.lint").joinpath("patterns.yaml").read_text(encoding="utf-8")
    data = read_yaml(raw, "patterns.yaml")
    rules = []
    for entry in data["rules"]:
        rules.append(
            PatternRule(
                entry["id"],
                entry["title"],
                Severity(entry["severity"]),
                " ".join(entry["help"].split()),
                list(entry["patterns"]),
            )
        )
    return tuple(rules)
