"""Review of a valid policy: what it says that can never take effect.

A policy can be valid and still not do what its author meant: an exception whose
``match`` names nothing any rule of this policy reports (``mcp:github`` with no MCP
list, ``package.*`` limited to a rule that never fires, a misspelt provider), an
``approved`` list in denylist mode, a provider id the scanner never reports.
``aims policy validate`` prints these as warnings with their line; ``aims check``
later lists such exceptions as unused, but only after a run, and only for that tree.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from openaims.discovery import catalog
from openaims.policy import subjects
from openaims.policy.exceptions import is_expired
from openaims.policy.matching import glob_match
from openaims.policy.rules import AGENT_CONFIG_PREFIX, RULES
from openaims.policy.schema import (
    Action,
    CategoryRule,
    Mode,
    Policy,
    PolicyException,
    line_in,
    load_policy,
)

#: A violation fingerprint as reports print it.
_FINGERPRINT: Final = re.compile(r"^[0-9a-f]{32}$")
_GLOB_CHARS: Final = frozenset("*?[")

#: Category lists: (policy key, rule-id prefix).
_CATEGORIES: Final = (
    ("providers", "provider"),
    ("models", "model"),
    ("packages", "package"),
    ("mcp_servers", "mcp-server"),
    ("ci_actions", "ci-action"),
)
#: A stand-in rule id for every agent-configuration rule (their ids come from the linter).
_AGENT_RULE: Final = f"{AGENT_CONFIG_PREFIX}*"


@dataclass(frozen=True, slots=True)
class PolicyWarning:
    """Something in a valid policy that cannot take effect, with where it is."""

    #: Where it is, as a path into the document: ``("exceptions", 0, "match")``.
    loc: tuple[int | str, ...]
    message: str

    @property
    def location(self) -> str:
        """``exceptions[0].match``, as validation errors name places."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
        return out


@dataclass(frozen=True, slots=True)
class Review:
    warnings: tuple[PolicyWarning, ...]
    expired: tuple[PolicyException, ...]


def active_rules(policy: Policy) -> frozenset[str]:
    """Rule ids this policy can report a violation of (agent-config rules as one stand-in)."""
    out: set[str] = set()
    for key, rule in _CATEGORIES:
        config: CategoryRule = getattr(policy, key)
        if config.prohibited:
            out.add(f"{rule}.prohibited")
        if config.mode is Mode.ALLOWLIST:
            out.add(f"{rule}.unapproved")
    if policy.secrets is not Action.OFF:
        out.add("secret.hardcoded")
    if policy.unsafe_model_files is not Action.OFF:
        out.add("model-file.unsafe")
    if policy.agent_config is not None:
        out.add(_AGENT_RULE)
    return frozenset(out)


def _rule_matches(pattern: str, rule_id: str) -> bool:
    if rule_id == _AGENT_RULE:  # any agent-config rule id the pattern could match
        return pattern.lower().startswith(AGENT_CONFIG_PREFIX) or glob_match(pattern, f"{AGENT_CONFIG_PREFIX}x")
    return glob_match(pattern, rule_id)


def _known_rule_ids() -> list[str]:
    return [*RULES, _AGENT_RULE]


def _is_literal(value: str) -> bool:
    return not (_GLOB_CHARS & set(value))


def _unknown_provider(value: str) -> str | None:
    """A message when ``value`` is a literal provider id the scanner never reports."""
    if not _is_literal(value) or value.lower() in catalog.provider_ids():
        return None
    close = difflib.get_close_matches(value.lower(), sorted(catalog.provider_ids()), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else " (see the provider ids in docs/policy.md)"
    return f"{value!r} is not a provider id the scanner reports{hint}"


def _exception_warnings(index: int, exception: PolicyException, active: frozenset[str]) -> list[PolicyWarning]:
    where: tuple[int | str, ...] = ("exceptions", index)
    match = exception.match
    out: list[PolicyWarning] = []

    candidates = sorted(active)
    if exception.rule is not None:
        limited = [r for r in _known_rule_ids() if _rule_matches(exception.rule, r)]
        if not limited:
            families = sorted({f"{r.split('.', 1)[0]}.*" for r in RULES} | set(RULES))
            close = difflib.get_close_matches(exception.rule, families, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return [PolicyWarning((*where, "rule"), f"rule {exception.rule!r} matches no rule id{hint}")]
        candidates = [r for r in candidates if r in limited]
    if not candidates:
        limit = f" rule {exception.rule!r}" if exception.rule is not None else ""
        return [
            PolicyWarning(
                (*where, "match"),
                f"{match!r} can match nothing: this policy reports no violation of any{limit} rule "
                "(add the entries it should except, or remove the exception)",
            )
        ]
    if _FINGERPRINT.match(match.lower()):
        return out

    mistaken = subjects.mistaken_prefix(match)
    if mistaken is not None:
        written, meant = mistaken
        out.append(
            PolicyWarning(
                (*where, "match"),
                f"{match!r} can match nothing: {written + ':'!r} is not a prefix of the match vocabulary; "
                f"did you mean {meant + ':'!r}?",
            )
        )
        return out
    prefix = subjects.prefix_of(match)
    if prefix is None:
        return out
    carriers = subjects.PREFIX_RULES[prefix]
    if not any(_rule_matches(carrier, rule) for carrier in carriers for rule in candidates):
        reported = ", ".join(candidates)
        out.append(
            PolicyWarning(
                (*where, "match"),
                f"{match!r} can match nothing: {prefix + ':'!r} names {subjects.PREFIXES[prefix]}, and "
                + ("the rules it is limited to" if exception.rule else "this policy")
                + f" only report {reported}",
            )
        )
        return out
    if prefix == "provider":
        unknown = _unknown_provider(match.split(":", 1)[1])
        if unknown is not None:
            out.append(PolicyWarning((*where, "match"), f"{match!r} can match nothing: {unknown}"))
    return out


def _list_warnings(policy: Policy) -> list[PolicyWarning]:
    out: list[PolicyWarning] = []
    for key, _ in _CATEGORIES:
        config: CategoryRule = getattr(policy, key)
        if config.approved and config.mode is Mode.DENYLIST:
            out.append(
                PolicyWarning(
                    (key, "approved"),
                    f"{key}.approved is only read in allowlist mode; add 'mode: allowlist' to {key}, "
                    "or remove the approved entries",
                )
            )
    for field in ("prohibited", "approved"):
        for n, entry in enumerate(getattr(policy.providers, field)):
            value = entry.split(":", 1)[1] if subjects.prefix_of(entry) == "provider" else entry
            unknown = _unknown_provider(value)
            if unknown is not None:
                out.append(PolicyWarning(("providers", field, n), f"can match nothing: {unknown}"))
    return out


@dataclass(frozen=True, slots=True)
class FileReview:
    """A policy file that is valid, with its warnings (each with its line)."""

    source: str
    policy: Policy
    warnings: tuple[tuple[int, PolicyWarning], ...]
    expired: tuple[PolicyException, ...]

    def render(self, line: int, warning: PolicyWarning) -> str:
        return f"{self.source}:{line}: {warning.location}: warning: {warning.message}"


def review_file(path: Path, *, today: date) -> FileReview:
    """Load the policy at ``path`` (:class:`~openaims.policy.schema.PolicyError` when it is not
    valid) and review it, locating each warning in the file."""
    policy = load_policy(path)
    text = path.read_text(encoding="utf-8")
    found = review(policy, today=today)
    located = tuple((line_in(text, w.loc), w) for w in found.warnings)
    return FileReview(str(path), policy, located, found.expired)


def review(policy: Policy, *, today: date) -> Review:
    """Warnings about what ``policy`` says that cannot take effect, and its expired exceptions."""
    active = active_rules(policy)
    warnings = _list_warnings(policy)
    for index, exception in enumerate(policy.exceptions):
        warnings.extend(_exception_warnings(index, exception, active))
    expired = tuple(e for e in policy.exceptions if is_expired(e, today))
    return Review(tuple(warnings), expired)
