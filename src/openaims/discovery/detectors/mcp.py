"""MCP servers configured for coding assistants and other MCP clients.

Configuration locations are data (``catalog/mcp_clients.yaml``); parsing is
:mod:`openaims.discovery.mcp_config`. One finding per server, at the line of its
key. Only environment variable and header *names* are reported; values (which
may be literal tokens) and credential-looking command arguments are not.
Servers are never started or contacted.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from openaims.discovery import catalog
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.mcp_config import McpServer, client_for, is_candidate, parse_mcp_config

#: What an argument carrying a credential is called (``--api-key x``, ``TOKEN=x``).
_SECRET_NAME = re.compile(r"(?i)(token|secret|passw(or)?d|api[-_]?key|apikey|credential|auth|bearer|pat\b)")
_MASK = "<redacted>"


@cache
def _known_servers() -> tuple[tuple[str | None, str | None, str], ...]:
    entries = catalog.load("mcp_clients").get("known_servers", ())
    return tuple((e.get("package"), e.get("url_host"), str(e["provider"])) for e in entries)


def _image_path(name: str) -> str:
    """``ghcr.io/github/github-mcp-server`` -> ``github/github-mcp-server``."""
    head, sep, rest = name.partition("/")
    if sep and ("." in head or ":" in head or head == "localhost"):
        return rest
    return name


def provider_for(server: McpServer) -> str | None:
    """The provider a well-known server gives access to, if any."""
    package = server.package_name or ""
    if server.registry == "docker":
        package = _image_path(package)
    host = ""
    if server.url:
        try:
            host = (urlsplit(server.url).hostname or "").lower()
        except ValueError:
            host = ""
    for pattern, url_host, provider in _known_servers():
        if pattern and package and fnmatch.fnmatchcase(package, pattern):
            return provider
        if url_host and host and (host == url_host or host.endswith("." + url_host)):
            return provider
    return None


def safe_args(args: Iterable[str]) -> list[str]:
    """Arguments with credential-looking values masked."""
    out: list[str] = []
    mask_next = False
    env_next = False
    for arg in args:
        if mask_next:
            out.append(_MASK)
            mask_next = False
            continue
        name, eq, _value = arg.partition("=")
        if (env_next and eq) or (eq and _SECRET_NAME.search(name)):  # docker run -e NAME=value
            out.append(f"{name}={_MASK}")
        elif arg.startswith("-") and _SECRET_NAME.search(arg):
            out.append(arg)
            mask_next = True
        elif arg.lower().startswith("bearer "):
            out.append("Bearer " + _MASK)
        else:
            out.append(safe_url(arg) if "://" in arg else arg)
        env_next = arg in {"-e", "--env"}
    return out


def safe_command(command: str | None) -> str | None:
    """A command string with credential-looking arguments masked (a whole
    command line written into ``command``)."""
    if command is None or not any(ch.isspace() for ch in command.strip()):
        return command
    return " ".join(safe_args(command.split()))


def safe_url(url: str) -> str:
    """The URL without user info or query values (which may carry keys)."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:
        return url.split("?", 1)[0].rsplit("@", maxsplit=1)[-1]
    query = "&".join(f"{k}={_MASK}" if v else k for k, _, v in (p.partition("=") for p in parts.query.split("&") if p))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def server_details(server: McpServer) -> dict[str, Any]:
    args = safe_args(server.args)
    if server.package and server.package in server.args and server.package not in args:
        # what looked like the package is a masked credential: report neither
        server = replace(server, package=None, package_name=None, package_version=None, registry=None)
    details: dict[str, Any] = {
        "transport": server.transport,
        "command": safe_command(server.command),
        "args": args,
        "package": server.package,
        "url": safe_url(server.url) if server.url else None,
        "env": sorted(server.env),
        "client": server.client,
    }
    if server.headers:
        details["headers"] = sorted(server.headers)
    if server.registry:
        details["registry"] = server.registry
        details["package_name"] = server.package_name
        details["package_version"] = server.package_version
    if server.options.get("disabled") is True or server.options.get("enabled") is False:
        details["disabled"] = True
    if server.inputs:
        details["inputs"] = list(server.inputs)
    return details


class McpServerDetector(Detector):
    """MCP servers in client configuration files (JSON, JSONC, YAML, TOML)."""

    id = "mcp.config"
    kinds = frozenset({FindingKind.MCP_SERVER})
    prefilter = (
        "mcpServers",
        '"servers"',
        "context_servers",
        "mcp_servers",
        "modelContextProtocolServers",
        "extensions",
        '"mcp"',
        "'servers'",
        r"\bservers\s*:",
    )

    def wants(self, path: str, name: str) -> bool:
        return is_candidate(path, name)

    def scan(self, file: FileView) -> Iterable[Finding]:
        servers = parse_mcp_config(file.text(), file.path)
        if not servers:
            return []
        known = client_for(file.path) is not None
        out = []
        for server in servers:
            details = server_details(server)
            if details["package"] is None and server.package is not None:
                server = replace(server, package=None, package_name=None, package_version=None, registry=None)
            if not known:
                details["recognised_by"] = "content"
            out.append(
                Finding(
                    kind=FindingKind.MCP_SERVER,
                    name=server.name,
                    path=file.path,
                    line=server.line,
                    detector=self.id,
                    ecosystem=server.registry if server.registry in {"npm", "pypi"} else None,
                    version=server.package_version,
                    provider=provider_for(server),
                    details=details,
                )
            )
        return out
