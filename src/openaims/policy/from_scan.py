"""A starter policy that approves what a tree already uses: ``aims policy init --from-scan PATH``.

Every provider, model, package, MCP server and CI action the scan finds goes on its list's
approved entries (the list becomes an allowlist), so the policy passes today's tree and
anything new fails. What a policy should never approve is not approved: hard-coded keys,
unsafe model files, agent-configuration findings and manifests that cannot be read stay
violations, returned so the caller can name them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from openaims.discovery.interface import Finding, FindingKind
from openaims.errors import AimsError, UsageError
from openaims.policy.engine import LintFindingLike, Violation, detect, evaluate
from openaims.policy.schema import (
    AgentConfigRule,
    CiActionRule,
    McpServerRule,
    Mode,
    ModelRule,
    PackageRule,
    Policy,
    ProviderRule,
    parse_policy,
)
from openaims.policy.sources import TreeFindings, scan_tree

#: The category lists, in the order the policy file has them: ``(list, rule-id prefix, what it holds)``.
CATEGORIES: Final = (
    ("providers", "provider", "AI providers"),
    ("models", "model", "models"),
    ("packages", "package", "AI packages"),
    ("mcp_servers", "mcp-server", "MCP servers"),
    ("ci_actions", "ci-action", "AI actions and images in CI"),
)

#: Model patterns the plain starter prohibits; kept when a tree uses no model (the list stays a denylist).
STARTER_PROHIBITED_MODELS: Final = ("gpt-3.5-*", "*-preview")

#: Prefixes a category's entries may carry (anything else in a package subject is qualified with ``package:``).
_PACKAGE_PREFIXES: Final = ("pypi:", "npm:", "golang:", "maven:", "cargo:", "nuget:", "gem:", "package:")


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    """The written policy's text, what it approves per list, and what still fails it today."""

    text: str
    #: Approved entries per list name (``providers``...), empty for a list the tree does not use.
    approved: dict[str, tuple[str, ...]]
    #: Violations of the new policy in today's tree (keys, unsafe model files, agent configs...).
    still_failing: tuple[Violation, ...]
    files_scanned: int


def _literal(name: str) -> str:
    """``name`` as a glob that matches only itself (``*``, ``?`` and ``[`` in a set of their own)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


#: The prefix a list's own subjects carry, left out where the bare name says the same.
_OWN_PREFIX: Final = {"providers": "provider:", "models": "model:", "mcp_servers": "mcp:", "ci_actions": "ci:"}


def _entry(list_name: str, subject: str) -> str:
    """How a violation's subject is approved in its list: ``openai``, ``gpt-4o``, ``pypi:openai``."""
    own = _OWN_PREFIX.get(list_name)
    if own is not None and subject.startswith(own) and ":" not in subject[len(own) :]:
        subject = subject[len(own) :]
    elif list_name == "packages" and not subject.lower().startswith(_PACKAGE_PREFIXES):
        subject = f"package:{subject}"
    return _literal(subject)


def _probe(agent_config: AgentConfigRule) -> Policy:
    """A policy under which every use of every category is unapproved (so each is reported once)."""
    allow = Mode.ALLOWLIST
    return Policy.model_construct(
        providers=ProviderRule.model_construct(mode=allow, approved=(), prohibited=()),
        models=ModelRule.model_construct(mode=allow, approved=(), prohibited=()),
        packages=PackageRule.model_construct(mode=allow, approved=(), prohibited=()),
        mcp_servers=McpServerRule.model_construct(mode=allow, approved=(), prohibited=()),
        ci_actions=CiActionRule.model_construct(mode=allow, approved=(), prohibited=()),
        agent_config=agent_config,
    )


def approvals(findings: Iterable[Finding], lint: Iterable[LintFindingLike] = ()) -> dict[str, tuple[str, ...]]:
    """What each list must approve for ``findings`` to pass, as sorted entries.

    A provider seen only through a hard-coded key is not approved: the key is the problem.
    """
    found: dict[str, dict[str, str]] = {name: {} for name, _, _ in CATEGORIES}
    by_rule = {f"{prefix}.unapproved": name for name, prefix, _ in CATEGORIES}
    for violation in detect(findings, _probe(AgentConfigRule()), lint):
        name = by_rule.get(violation.rule.id)
        if name is None or (violation.finding is not None and violation.finding.kind is FindingKind.SECRET):
            continue
        entry = _entry(name, violation.subject)
        found[name].setdefault(entry.lower(), entry)  # matching ignores case: one entry per spelling
    return {name: tuple(sorted(entries.values(), key=str.lower)) for name, entries in found.items()}


def _printable(code: int) -> bool:
    """Whether YAML lets the character stand as itself in a double-quoted scalar."""
    return (
        0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    ) and code not in (0x22, 0x5C, 0xFEFF)


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: any name (quotes, line breaks, any code point) reads back the same."""
    out = []
    for char in text:
        code = ord(char)
        if _printable(code):
            out.append(char)
        elif char in '"\\':
            out.append("\\" + char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _yaml_list(entries: Iterable[str], indent: str = "    ") -> str:
    return "".join(f"\n{indent}- {quoted(entry)}" for entry in entries)


def _category_text(name: str, what: str, entries: tuple[str, ...]) -> str:
    if entries:
        return (
            f"# {what[:1].upper()}{what[1:]} in use when the policy was written: anything else fails.\n"
            f"{name}:\n  mode: allowlist\n  approved:{_yaml_list(entries)}\n  prohibited: []\n"
        )
    prohibited = STARTER_PROHIBITED_MODELS if name == "models" else ()
    listed = f"[{', '.join(quoted(p) for p in prohibited)}]"
    return (
        f"# No {what} found: only prohibited entries fail. Approve entries and set `mode: allowlist`\n"
        f"# to make anything unlisted fail.\n"
        f"{name}:\n  mode: denylist\n  prohibited: {listed}\n"
    )


def policy_text(approved: dict[str, tuple[str, ...]], *, root: str, today: date) -> str:
    """The policy file approving ``approved``, with the starter's settings for everything else."""
    sections = "\n".join(_category_text(name, what, approved.get(name, ())) for name, _, what in CATEGORIES)
    return (
        f"# OpenAIMS AI policy, written by `aims policy init --from-scan` on {today.isoformat()}\n"
        f"# from a scan of {quoted(root)[1:-1]}.\n"
        "# It approves the AI this tree used that day, so `aims check` passes on it and fails on anything\n"
        "# new. Review each list: remove what should not stay, prohibit what must never come back.\n"
        "# Reference: docs/policy.md. Patterns are globs: `*` matches anything, matching ignores case.\n"
        "version: 1\n\n"
        f"{sections}\n"
        "# Never approved by a scan; fix what these find (or accept it with `aims baseline create`).\n"
        "# Hard-coded AI provider keys: block (fail), warn (report only) or off.\n"
        "secrets: block\n"
        "# Pickle-based model files that reach code-executing callables: block, warn or off.\n"
        "unsafe_model_files: block\n"
        "# Agent instruction files and MCP configs: lint findings at or above this severity fail.\n"
        "agent_config:\n  fail_at: high\n\n"
        "# Which severities fail the check (info, low, medium, high, critical).\n"
        "fail_on: [medium, high, critical]\n\n"
        "# Exceptions need an owner, a reason and an expiry date (see docs/policy.md).\n"
        "exceptions: []\n"
    )


def policy_from_findings(tree: TreeFindings, *, root: str, today: date) -> ScanPolicy:
    """The policy approving what ``tree`` uses, and the violations it still has."""
    approved = approvals(tree.findings, tree.lint)
    text = policy_text(approved, root=root, today=today)
    try:
        policy = parse_policy(text, "<policy from scan>")
    except UsageError as exc:  # a name the policy file cannot hold: a defect here, not the user's input
        raise AimsError(f"could not write a policy for this tree: {exc.message}") from None
    evaluation = evaluate(tree.findings, policy, today=today, lint_findings=tree.lint, unparsed=tree.unparsed)
    failing = tuple(v for v in evaluation.violations if v.status.fails)
    return ScanPolicy(text, approved, failing, tree.files_scanned)


def policy_from_scan(root: Path, *, today: date, progress: Callable[[int, int], None] | None = None) -> ScanPolicy:
    """Scan ``root`` (and lint its agent configuration) and build the policy that approves what it uses."""
    if not root.is_dir():
        raise UsageError(f"--from-scan {root} is not a directory")
    tree = scan_tree(root, None, with_lint=True, progress=progress)
    return policy_from_findings(tree, root=str(root), today=today)
