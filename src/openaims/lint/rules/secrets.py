"""Credentials written into agent instruction files and MCP configurations.

Values are never printed: messages name the variable or key type only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openaims.lint.documents import secret_findings
from openaims.lint.interface import Document, DocumentKind, Issue, Rule, Severity
from openaims.lint.rules.mcp import _args, _line, servers_of

_CREDENTIAL_NAME = re.compile(
    r"(TOKEN|API_?KEY|SECRET|PASSWORD|PASSWD|PAT\b|_PAT|AUTH|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY|BEARER|COOKIE|SESSION)",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"^\s*(\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}|%[A-Za-z_][A-Za-z0-9_]*%|<[^>]*>|env:[A-Za-z_]\w*|"
    r"\$\{\{[^}]*\}\}|op://\S+|vault:\S+)\s*$"
)
_PLACEHOLDER = re.compile(
    r"(your[-_ ]|xxx|changeme|change[-_]me|placeholder|example|replace|redacted|dummy|fake"
    r"|\*\*\*|\.\.\.|<|>|todo|tbd)",
    re.IGNORECASE,
)
_ARG_CREDENTIAL = re.compile(
    r"^--?(api[-_]?key|token|secret|password|access[-_]token|auth[-_]token)(=(?P<value>.+))?$", re.IGNORECASE
)


def is_literal_secret(value: str) -> bool:
    """True for a value that looks like a real credential rather than a reference
    to one (``${GITHUB_TOKEN}``, ``${input:token}``, ``<your token>``...)."""
    value = value.strip()
    if len(value) < 8 or _REFERENCE.match(value) or _PLACEHOLDER.search(value):
        return False
    if "${" in value or "{{" in value:
        return False
    if len(set(value)) < 5:
        return False
    return value.lower() not in {"true", "false", "null", "none"}


class CredentialInInstructions(Rule):
    id = "AGENT001"
    title = "Credential in an agent instruction file"
    severity = Severity.CRITICAL
    help = (
        "An API key or token written into an instruction file is sent to the model provider with "
        "every request and is readable by anyone with the repository. Revoke the key, remove it, "
        "and give the assistant credentials through its environment instead."
    )
    applies_to = frozenset({DocumentKind.INSTRUCTIONS, DocumentKind.SETTINGS})

    def check(self, doc: Document) -> Iterable[Issue]:
        for line, key_type, fingerprint in secret_findings(doc):
            yield Issue(line=line, message=f"{key_type} written in the file", anchor=f"secret:{fingerprint}")


class CredentialInMcpConfig(Rule):
    id = "MCP001"
    title = "Credential as a literal value in an MCP configuration"
    severity = Severity.CRITICAL
    help = (
        "Tokens written into an MCP configuration are committed with the repository and shared "
        "with every clone. Reference them from the environment or an input prompt instead "
        '(for example "${env:GITHUB_TOKEN}" or "${input:github_token}") and revoke the exposed one.'
    )
    applies_to = frozenset({DocumentKind.MCP_CONFIG})

    def check(self, doc: Document) -> Iterable[Issue]:
        seen_lines: set[int | None] = set()
        for server in servers_of(doc):
            name = getattr(server, "name", "?")
            env: dict[str, Any] = getattr(server, "env", None) or {}
            for var, value in env.items():
                if isinstance(value, str) and _CREDENTIAL_NAME.search(var) and is_literal_secret(value):
                    line = _value_line(doc, var, _line(server))
                    seen_lines.add(line)
                    yield Issue(
                        line=line,
                        message=f'server "{name}" sets {var} to a literal value',
                        anchor=f"mcpenv:{name}:{var}",
                    )
            headers = getattr(server, "headers", None)
            if isinstance(headers, dict):
                for header, value in headers.items():
                    if not isinstance(value, str):
                        continue
                    token = (
                        value.split(None, 1)[-1]
                        if value.lower().startswith(("bearer ", "token ", "basic "))
                        else value
                    )
                    if (
                        _CREDENTIAL_NAME.search(header) or header.lower() == "authorization"
                    ) and is_literal_secret(token):
                        line = _value_line(doc, header, _line(server))
                        seen_lines.add(line)
                        yield Issue(
                            line=line,
                            message=f'server "{name}" sends a literal {header} header',
                            anchor=f"mcpheader:{name}:{header}",
                        )
            args = _args(server)
            for i, arg in enumerate(args):
                match = _ARG_CREDENTIAL.match(arg)
                if not match:
                    continue
                value = match.group("value") or (args[i + 1] if i + 1 < len(args) else "")
                if is_literal_secret(value):
                    yield Issue(
                        line=_line(server),
                        message=(
                            f'server "{name}" passes a literal credential in argument {arg.split("=")[0]}'
                        ),
                        anchor=f"mcparg:{name}:{arg.split('=')[0]}",
                    )
        for line, key_type, fingerprint in secret_findings(doc):
            if line in seen_lines:
                continue
            yield Issue(line=line, message=f"{key_type} written in the file", anchor=f"secret:{fingerprint}")


def _value_line(doc: Document, key: str, default: int | None) -> int | None:
    """The line where ``"key":`` appears at or after the server's line."""
    start = (default or 1) - 1
    lines = doc.text.splitlines()
    pattern = re.compile(rf'["\']?{re.escape(key)}["\']?\s*[:=]')
    for index in range(start, len(lines)):
        if pattern.search(lines[index]):
            return index + 1
    return default


RULES: list[Rule] = [CredentialInInstructions(), CredentialInMcpConfig()]
