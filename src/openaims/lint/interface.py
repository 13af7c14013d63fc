"""The contract of the agent-configuration linter.

A rule has a stable public id, a title, a default severity and help text, and
turns one loaded document (an agent instruction file, an MCP configuration or
an agent settings file) into issues. Rules never print or store a secret value
and never start or contact an MCP server.
"""

from __future__ import annotations

import abc
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openaims.errors import AimsError


class Severity(enum.StrEnum):
    """Severities in increasing order."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise LintError(f"unknown severity {value!r}: use one of {allowed}") from None


_RANK = {s: i for i, s in enumerate(Severity)}


class LintError(AimsError):
    """The linter was given something it cannot work with."""

    exit_code = 2


class DocumentKind(enum.StrEnum):
    INSTRUCTIONS = "instructions"
    MCP_CONFIG = "mcp_config"
    SETTINGS = "settings"


@dataclass(frozen=True, slots=True)
class Document:
    """One file the linter reads: its relative path, kind, text and the
    assistant(s) that read it."""

    path: str
    kind: DocumentKind
    text: str
    assistants: tuple[str, ...] = ()
    #: Parsed content for MCP configurations and settings (servers, JSON).
    parsed: Any = None

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1


@dataclass(frozen=True, slots=True)
class Issue:
    """What a rule reports before the engine adds the rule's metadata."""

    line: int | None
    message: str
    #: Content that identifies the issue independently of its line (for a
    #: fingerprint that survives edits elsewhere in the file). Never a secret.
    anchor: str
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One linter result, as reported to users and to the policy engine."""

    rule_id: str
    title: str
    severity: Severity
    path: str
    line: int | None
    message: str
    help: str
    fingerprint: str
    related: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "help": self.help,
            "fingerprint": self.fingerprint,
        }
        if self.related:
            out["related"] = list(self.related)
        return out


def make_fingerprint(rule_id: str, path: str, anchor: str) -> str:
    digest = hashlib.sha256(f"{rule_id}\x00{path}\x00{anchor}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


class Rule(abc.ABC):
    """A lint rule over one document."""

    id: str
    title: str
    severity: Severity
    help: str
    applies_to: frozenset[DocumentKind]

    @abc.abstractmethod
    def check(self, doc: Document) -> Iterable[Issue]:
        """Issues in one document."""


class CrossRule(abc.ABC):
    """A lint rule over several documents at once (conflicts between files)."""

    id: str
    title: str
    severity: Severity
    help: str

    @abc.abstractmethod
    def check_all(self, docs: Sequence[Document]) -> Iterable[tuple[Document, Issue, tuple[str, ...]]]:
        """(document, issue, related paths) across documents."""
