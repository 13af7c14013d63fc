"""Agent settings that let an assistant act without asking (permission prompts
skipped, every tool or command approved)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openaims.lint.interface import Document, DocumentKind, Issue, Rule, Severity


def _get(data: Any, dotted: str) -> Any:
    """A value by dotted path; keys that themselves contain dots are tried whole first."""
    if isinstance(data, dict) and dotted in data:
        return data[dotted]
    current = data
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


# (setting path, value that is risky or a predicate, description)
_CHECKS: list[tuple[str, Any, str]] = [
    ("permissions.defaultMode", "bypassPermissions", "Claude Code permission mode bypassPermissions"),
    ("dangerouslySkipPermissions", True, "Claude Code dangerouslySkipPermissions"),
    ("skipDangerousModePermissionPrompt", True, "Claude Code skipDangerousModePermissionPrompt"),
    (
        "permissions.allow",
        lambda v: (
            isinstance(v, list) and any(str(x).strip() in {"Bash", "Bash(*)", "Bash(*:*)", "*"} for x in v)
        ),
        "Claude Code allows every shell command",
    ),
    ("chat.tools.autoApprove", True, "VS Code chat.tools.autoApprove (every tool call approved)"),
    (
        "chat.tools.global.autoApprove",
        True,
        "VS Code chat.tools.global.autoApprove (every tool call approved)",
    ),
    ("github.copilot.chat.agent.autoApprove", True, "Copilot agent auto-approve"),
    ("autoAccept", True, "Gemini CLI autoAccept"),
    ("yolo", True, "yolo mode"),
    ("approvalMode", "yolo", "approval mode yolo"),
    ("tools.approvalMode", "yolo", "approval mode yolo"),
    ("approval_policy", "never", "Codex approval_policy never"),
    ("sandbox_mode", "danger-full-access", "Codex sandbox_mode danger-full-access"),
    ("yes-always", True, "Aider yes-always"),
    ("yes", True, "Aider yes (confirm everything)"),
]


class PermissionPromptsSkipped(Rule):
    id = "AGENT040"
    title = "Agent settings skip permission prompts"
    severity = Severity.CRITICAL
    help = (
        "These settings let the assistant run commands, edit files or call tools without a person "
        "approving them, committed for everyone who opens the repository. Remove them; approve "
        "specific, narrow commands instead."
    )
    applies_to = frozenset({DocumentKind.SETTINGS})

    def check(self, doc: Document) -> Iterable[Issue]:
        data = doc.parsed
        if not isinstance(data, dict):
            return
        for path, risky, description in _CHECKS:
            value = _get(data, path)
            if value is None:
                continue
            hit = risky(value) if callable(risky) else value == risky
            if hit:
                line = _key_line(doc.text, path) or _key_line(doc.text, path.rsplit(".", 1)[-1])
                yield Issue(line=line, message=description, anchor=f"settings:{path}")


def _key_line(text: str, key: str) -> int | None:
    pattern = re.compile(rf'(^|["\'\s]){re.escape(key)}["\']?\s*[:=]')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


RULES: list[Rule] = [PermissionPromptsSkipped()]
