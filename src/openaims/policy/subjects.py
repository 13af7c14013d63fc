"""One match vocabulary: the names a violation can be matched by, in lists and in exceptions.

A policy names things in two places: the entries of its category lists
(``packages.prohibited``, ``mcp_servers.approved``...) and the ``match`` of its
exceptions. Both are globs over the same set of names, built here for each thing
the scanner finds:

=================  ===============================================================
``provider:ID``    everything of an AI provider: its packages, imports, model
                   references, keys and CI steps (ids from the provider catalogue)
``ECO:NAME``       a package in one ecosystem (``pypi:openai``, ``npm:@xenova/*``),
                   declared in a manifest or imported in code
``package:NAME``   a package in any ecosystem, or the package an MCP server runs
``model:ID``       a model reference (``model:gpt-4o``)
``mcp:NAME``       an MCP server by its configured name (``name:NAME`` is the same)
``host:HOST``      an MCP server by the host of its URL
``ci:ACTION``      an AI action or image in CI, without ``@ref`` or ``:tag``
``secret:TYPE``    a hard-coded key of that key type
``model-file:PATH``  an unsafe model file
``agent-config:RULE``  an agent-configuration lint finding
a bare name        the same names without their prefix (``openai``, ``gpt-4o``)
=================  ===============================================================

Each list accepts the forms of its own category; an exception accepts any of them
(and a violation's exact fingerprint).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: Package ecosystems (purl types) a package name may be qualified with.
ECOSYSTEMS: Final = frozenset({"pypi", "npm", "golang", "maven", "cargo", "nuget", "gem"})

#: Every prefix of the vocabulary, with what it names (for messages and docs).
PREFIXES: Final[dict[str, str]] = {
    "provider": "an AI provider and everything of it",
    **{eco: f"a package in {eco}" for eco in sorted(ECOSYSTEMS)},
    "package": "a package in any ecosystem, or an MCP server's package",
    "model": "a model reference",
    "mcp": "an MCP server by configured name",
    "name": "an MCP server by configured name",
    "host": "an MCP server by URL host",
    "ci": "an AI action or image in CI",
    "secret": "a hard-coded key by key type",
    "model-file": "an unsafe model file by path",
    "agent-config": "an agent-configuration lint rule",
}

#: Which prefixes each policy list accepts (a bare name is always accepted).
LIST_PREFIXES: Final[dict[str, frozenset[str]]] = {
    "providers": frozenset({"provider"}),
    "models": frozenset({"model"}),
    "packages": frozenset({*ECOSYSTEMS, "package"}),
    "mcp_servers": frozenset({"mcp", "name", "package", "host", *ECOSYSTEMS}),
    "ci_actions": frozenset({"ci"}),
}

#: Which rules' violations carry names with each prefix (rule-id globs).
PREFIX_RULES: Final[dict[str, tuple[str, ...]]] = {
    "provider": ("provider.*", "package.*", "model.*", "ci-action.*", "secret.*", "mcp-server.*"),
    **dict.fromkeys(ECOSYSTEMS, ("package.*", "provider.*", "mcp-server.*")),
    "package": ("package.*", "provider.*", "mcp-server.*"),
    "model": ("model.*", "provider.*"),
    "mcp": ("mcp-server.*",),
    "name": ("mcp-server.*",),
    "host": ("mcp-server.*",),
    "ci": ("ci-action.*", "provider.*"),
    "secret": ("secret.*", "provider.*"),
    "model-file": ("model-file.*",),
    "agent-config": ("agent-config.*",),
}

#: Prefixes people write by mistake, and the one they meant.
MISTAKES: Final[dict[str, str]] = {
    "providers": "provider",
    "models": "model",
    "packages": "package",
    "pkg": "package",
    "pip": "pypi",
    "python": "pypi",
    "go": "golang",
    "rubygems": "gem",
    "crates": "cargo",
    "mcp-server": "mcp",
    "mcp_server": "mcp",
    "mcp-servers": "mcp",
    "mcp_servers": "mcp",
    "server": "mcp",
    "action": "ci",
    "ci-action": "ci",
    "ci_actions": "ci",
    "image": "ci",
    "key": "secret",
    "secrets": "secret",
    "model_file": "model-file",
    "modelfile": "model-file",
    "agent_config": "agent-config",
    "lint": "agent-config",
}


def prefix_of(pattern: str) -> str | None:
    """The vocabulary prefix ``pattern`` starts with (``pypi`` for ``pypi:torch``), or ``None``."""
    head, sep, _ = pattern.partition(":")
    if not sep:
        return None
    head = head.strip().lower()
    return head if head in PREFIXES else None


def mistaken_prefix(pattern: str) -> tuple[str, str] | None:
    """``(written, meant)`` when ``pattern`` starts with a prefix people use by mistake."""
    head, sep, _ = pattern.partition(":")
    if not sep:
        return None
    meant = MISTAKES.get(head.strip().lower())
    return (head, meant) if meant is not None else None


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k.lower() for k in keys if k))


def provider_keys(provider: str | None) -> tuple[str, ...]:
    if not provider:
        return ()
    return _unique((f"provider:{provider}", provider))


def package_keys(ecosystem: str | None, name: str) -> tuple[str, ...]:
    """``pypi:openai``, ``openai``, ``package:openai``."""
    eco = (ecosystem or "").lower()
    return _unique((f"{eco}:{name}" if eco else "", name, f"package:{name}"))


def package_subject(ecosystem: str | None, name: str) -> str:
    """How a package is shown: ``pypi:openai`` (or the bare name without an ecosystem)."""
    eco = (ecosystem or "").lower()
    return f"{eco}:{name}" if eco else name


def split_package(qualified: str) -> tuple[str | None, str]:
    """``pypi:openai`` -> ``("pypi", "openai")``; a name without a known ecosystem -> ``(None, name)``."""
    head, sep, rest = qualified.partition(":")
    if sep and head.lower() in ECOSYSTEMS:
        return head.lower(), rest
    return None, qualified


def model_keys(model_id: str, *names: str, provider: str | None = None) -> tuple[str, ...]:
    """``model:gpt-4o``, ``gpt-4o`` and the other spellings seen (``openai/gpt-4o``)."""
    spelled = [model_id, *names]
    if provider:
        spelled.append(f"{provider}/{model_id}")
    return _unique((f"model:{model_id}", *spelled))


def mcp_keys(
    name: str, *, packages: Iterable[str] = (), host: str = "", ecosystem: str | None = None
) -> tuple[str, ...]:
    keys = [f"mcp:{name}", f"name:{name}", name]
    eco = (ecosystem or "").lower()
    for package in packages:
        if package:
            keys += [f"package:{package}", package]
            if eco:
                keys.append(f"{eco}:{package}")
    if host:
        keys += [f"host:{host}", host]
    return _unique(keys)


def ci_keys(subject: str, *spellings: str) -> tuple[str, ...]:
    return _unique((f"ci:{subject}", subject, *spellings))


def secret_keys(key_type: str) -> tuple[str, ...]:
    return _unique((f"secret:{key_type}", key_type))


def model_file_keys(path: str, sha256: str = "") -> tuple[str, ...]:
    return _unique((f"model-file:{path}", path, sha256))


def agent_config_keys(rule_id: str, path: str) -> tuple[str, ...]:
    return _unique((f"agent-config:{rule_id}", rule_id, path))
