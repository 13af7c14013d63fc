"""Risky MCP server definitions: broad filesystem roots, unpinned packages, plain
HTTP to remote hosts, tool auto-approval and privileged containers.

Servers are only read from configuration; they are never started or contacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from openaims.lint.interface import Document, DocumentKind, Issue, Rule, Severity

_MCP = frozenset({DocumentKind.MCP_CONFIG})
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]", "host.docker.internal"}  # noqa: S104


def servers_of(doc: Document) -> list[Any]:
    parsed = doc.parsed
    return list(parsed) if isinstance(parsed, (list, tuple)) else []


def _args(server: Any) -> list[str]:
    return [str(a) for a in (getattr(server, "args", None) or ())]


def _command_words(server: Any) -> list[str]:
    command = str(getattr(server, "command", None) or "")
    return [*command.split(), *_args(server)]


def _options(server: Any) -> dict[str, Any]:
    for attr in ("options", "raw_options", "settings"):
        value = getattr(server, attr, None)
        if isinstance(value, dict):
            return value
    return {}


def _line(server: Any) -> int | None:
    line = getattr(server, "line", None)
    return line if isinstance(line, int) else None


_FLOATING = frozenset({"latest", "next", "*", "x"})


def is_pinned(registry: str, version: str | None) -> bool:
    """Whether a launched package names one exact version (image tag or digest for docker)."""
    if not version or version.lower() in _FLOATING:
        return False
    return registry == "docker" or not version.startswith(("^", "~", ">", "<", "="))


class UnpinnedServerPackage(Rule):
    id = "MCP003"
    title = "MCP server package not pinned to a version"
    severity = Severity.MEDIUM
    help = (
        "A server started with `npx pkg`, `pkg@latest`, `uvx pkg` or an image without a tag runs "
        "whatever was published last, on every start, with the assistant's access. Pin an exact "
        "version (pkg@1.4.2, pkg==1.4.2, image:tag or image@sha256:...)."
    )
    applies_to = _MCP

    def check(self, doc: Document) -> Iterable[Issue]:
        for server in servers_of(doc):
            registry = getattr(server, "registry", None)
            spec = getattr(server, "package", None)
            if not registry or not spec or is_pinned(registry, getattr(server, "package_version", None)):
                continue
            name = getattr(server, "name", "?")
            yield Issue(
                line=_line(server),
                message=f'server "{name}" runs {spec!r} ({registry} package) without a pinned version',
                anchor=f"unpinned:{name}:{spec}",
            )


_HOME_ROOTS = re.compile(
    r"^(/|~|~/|\$HOME/?|\$\{HOME\}/?|\$\{env:HOME\}/?|\$\{userHome\}/?|%USERPROFILE%\\?|"
    r"/home/[^/]+/?|/Users/[^/]+/?|/root/?|[A-Za-z]:\\?|[A-Za-z]:/?|C:\\Users\\[^\\]+\\?)$"
)


class BroadFilesystemRoot(Rule):
    id = "MCP002"
    title = "Filesystem MCP server rooted at / or the home directory"
    severity = Severity.HIGH
    help = (
        "A filesystem server given / or the home directory lets the assistant read and write "
        "SSH keys, cloud credentials and every other project. Give it the project directory only."
    )
    applies_to = _MCP

    def check(self, doc: Document) -> Iterable[Issue]:
        for server in servers_of(doc):
            words = _command_words(server)
            joined = " ".join(words).lower()
            package = str(getattr(server, "package", "") or "").lower()
            if (
                "filesystem" not in joined
                and "filesystem" not in package
                and "files" not in str(getattr(server, "name", "")).lower()
            ):
                continue
            for arg in _args(server):
                value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
                if _HOME_ROOTS.match(value.strip()):
                    name = getattr(server, "name", "?")
                    yield Issue(
                        line=_line(server),
                        message=f'server "{name}" is given access to {value!r}',
                        anchor=f"fsroot:{name}:{value}",
                    )
                    break


class PlainHttpRemote(Rule):
    id = "MCP004"
    title = "Remote MCP server over plain HTTP"
    severity = Severity.HIGH
    help = (
        "A remote server reached over http:// sends tool calls, results and any credentials in "
        "clear text and can be impersonated. Use https://."
    )
    applies_to = _MCP

    def check(self, doc: Document) -> Iterable[Issue]:
        for server in servers_of(doc):
            url = str(getattr(server, "url", None) or "")
            if not url.lower().startswith("http://"):
                continue
            host = (urlsplit(url).hostname or "").lower()
            if host in _LOOPBACK or host.startswith("127."):
                continue
            name = getattr(server, "name", "?")
            yield Issue(
                line=_line(server),
                message=f'server "{name}" uses plain HTTP to {host or url}',
                anchor=f"http:{name}:{host}",
            )


_AUTO_APPROVE_KEYS = ("alwaysAllow", "autoApprove", "auto_approve", "autoApproveTools", "alwaysApprove")


class ToolAutoApproval(Rule):
    id = "MCP005"
    title = "MCP tools approved automatically"
    severity = Severity.HIGH
    help = (
        "alwaysAllow, autoApprove, trust and similar settings let the assistant call these tools "
        "without a person confirming each call, which removes the human check on what the tools "
        "do. Approve calls interactively, or limit auto-approval to read-only tools and record why."
    )
    applies_to = _MCP

    def check(self, doc: Document) -> Iterable[Issue]:
        for server in servers_of(doc):
            options = _options(server)
            name = getattr(server, "name", "?")
            granted: list[str] = []
            for key in _AUTO_APPROVE_KEYS:
                value = options.get(key)
                if value is True:
                    granted.append(f"{key}: true (every tool)")
                elif isinstance(value, list) and value:
                    tools = ", ".join(str(v) for v in value[:5]) + (" ..." if len(value) > 5 else "")
                    granted.append(f"{key}: [{tools}]")
            if options.get("trust") is True:
                granted.append("trust: true (no confirmations)")
            if granted:
                yield Issue(
                    line=_line(server),
                    message=f'server "{name}" auto-approves tools: {"; ".join(granted)}',
                    anchor=f"autoapprove:{name}:{','.join(sorted(granted))}",
                )


class PrivilegedContainer(Rule):
    id = "MCP006"
    title = "MCP server container with host-level access"
    severity = Severity.HIGH
    help = (
        "A server started with `docker run --privileged`, the host network or a mount of / or the "
        "Docker socket can take over the machine. Drop those options and mount only what it needs."
    )
    applies_to = _MCP

    def check(self, doc: Document) -> Iterable[Issue]:
        for server in servers_of(doc):
            words = _command_words(server)
            if not words or words[0].rsplit("/", 1)[-1] not in {"docker", "podman"}:
                continue
            risky = []
            for i, word in enumerate(words):
                nxt = words[i + 1] if i + 1 < len(words) else ""
                if word == "--privileged":
                    risky.append("--privileged")
                elif word in {"--network=host", "--net=host"} or (word in {"--network", "--net"} and nxt == "host"):
                    risky.append("host network")
                elif word in {"-v", "--volume"} and (nxt.startswith("/:") or "docker.sock" in nxt):
                    risky.append(f"mount {nxt}")
                elif word.startswith("--volume=") and (word[9:].startswith("/:") or "docker.sock" in word):
                    risky.append(f"mount {word[9:]}")
            if risky:
                name = getattr(server, "name", "?")
                yield Issue(
                    line=_line(server),
                    message=f'server "{name}" runs a container with {", ".join(risky)}',
                    anchor=f"container:{name}:{','.join(risky)}",
                )


RULES: list[Rule] = [
    BroadFilesystemRoot(),
    UnpinnedServerPackage(),
    PlainHttpRemote(),
    ToolAutoApproval(),
    PrivilegedContainer(),
]
