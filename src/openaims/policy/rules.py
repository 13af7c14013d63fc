"""The policy rules: stable public ids with their titles, help and default severities.

Rule ids are part of the public contract (SARIF rule ids, ``severity:`` keys in a
policy, exception ``rule:`` globs). Agent-configuration rules take the linter's
own rule id behind the ``agent-config.`` prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openaims.policy.schema import Severity

AGENT_CONFIG_PREFIX: Final = "agent-config."


@dataclass(frozen=True, slots=True)
class Rule:
    """One policy rule."""

    id: str
    #: PascalCase name (SARIF ``name``).
    name: str
    #: One line (SARIF ``shortDescription``).
    title: str
    #: What to do about a violation (SARIF ``help``).
    help: str
    default_severity: Severity
    #: Policy key that configures the rule.
    setting: str


def _category_rules(key: str, noun: str, plural: str, example: str) -> list[Rule]:
    return [
        Rule(
            id=f"{key}.prohibited",
            name=f"Prohibited{noun.title().replace(' ', '')}",
            title=f"Prohibited {noun}",
            help=(
                f"The policy prohibits this {noun}. Remove it, or, if it is needed, request an exception "
                f"with an owner, a reason and an expiry date under 'exceptions:' (match: {example!r})."
            ),
            default_severity=Severity.HIGH,
            setting=plural,
        ),
        Rule(
            id=f"{key}.unapproved",
            name=f"Unapproved{noun.title().replace(' ', '')}",
            title=f"{noun[0].upper()}{noun[1:]} not on the approved list",
            help=(
                f"'{plural}' is an allowlist and this {noun} is not approved. Use an approved one, "
                f"ask for it to be added to '{plural}.approved', "
                f"or request an exception (match: {example!r})."
            ),
            default_severity=Severity.MEDIUM,
            setting=plural,
        ),
    ]


_ALL: Final = [
    *_category_rules("provider", "AI provider", "providers", "provider:<id>"),
    *_category_rules("model", "model", "models", "<model id glob>"),
    *_category_rules("package", "AI package", "packages", "<ecosystem>:<name>"),
    *_category_rules("mcp-server", "MCP server", "mcp_servers", "mcp:<server name>"),
    *_category_rules("ci-action", "AI CI action", "ci_actions", "<owner>/<action>"),
    Rule(
        id="secret.hardcoded",
        name="HardcodedAiKey",
        title="Hard-coded AI provider key",
        help=(
            "A live AI provider key is committed. Revoke it at the provider now (it is exposed in the "
            "history), remove it from the file, and read it from the environment or a secret store."
        ),
        default_severity=Severity.CRITICAL,
        setting="secrets",
    ),
    Rule(
        id="model-file.unsafe",
        name="UnsafeModelFile",
        title="Model file that runs code when loaded",
        help=(
            "This pickle-based model file reaches callables that execute code when it is loaded. "
            "Do not load it; convert the model to safetensors or ONNX from a trusted source."
        ),
        default_severity=Severity.CRITICAL,
        setting="unsafe_model_files",
    ),
    Rule(
        id="manifest.unparsed",
        name="UnreadableManifest",
        title="Manifest or lock file that could not be read fully",
        help=(
            "The scanner could not read this manifest or lock file fully (the message says why), so AI "
            "dependencies it declares may be missing from the check. Fix the file (remove the <!DOCTYPE>, "
            "reduce the nesting, correct the syntax); if it cannot be read on purpose (a test fixture), add an "
            "exception for its path, or run the check with --allow-unparsed."
        ),
        default_severity=Severity.HIGH,
        setting="--allow-unparsed",
    ),
    Rule(
        id="scan.incomplete",
        name="IncompleteScan",
        title="File the scan could not analyse fully",
        help=(
            "A bound cut the analysis of this file short (its time budget, the scan's --timeout, or a size, "
            "count or ratio bound; the message says which), so what it holds may be missing from the check "
            "and it is not taken for safe. Look at the file: a file built to be expensive to scan is hostile. "
            "If it is legitimate, raise --file-timeout or --timeout, or add an exception for its path."
        ),
        default_severity=Severity.HIGH,
        setting="--file-timeout, --timeout",
    ),
]

#: Built-in rules by id.
RULES: Final[dict[str, Rule]] = {rule.id: rule for rule in _ALL}


def agent_config_rule(lint_rule_id: str, title: str, help_text: str, severity: Severity) -> Rule:
    """The policy rule for one agent-configuration lint rule."""
    words = [w for w in lint_rule_id.replace("-", " ").replace("_", " ").replace(".", " ").split() if w]
    return Rule(
        id=f"{AGENT_CONFIG_PREFIX}{lint_rule_id}",
        name="AgentConfig" + "".join(w[:1].upper() + w[1:] for w in words),
        title=title or f"Agent configuration: {lint_rule_id}",
        help=help_text or "Fix the agent configuration as the message says (see 'aims lint').",
        default_severity=severity,
        setting="agent_config",
    )
