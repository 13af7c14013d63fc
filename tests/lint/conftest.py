from __future__ import annotations

from typing import Any, Literal

from openaims.discovery.mcp_config import McpServer, launched_package
from openaims.lint.interface import Document, DocumentKind


def Server(
    name: str,
    transport: Literal["stdio", "http", "sse"] = "stdio",
    command: str | None = None,
    args: tuple[str, ...] = (),
    url: str | None = None,
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    line: int = 3,
    options: dict[str, Any] | None = None,
) -> McpServer:
    """A server record as ``parse_mcp_config`` makes it (package facts split the same way)."""
    launched = launched_package(command, args)
    registry, package, package_name, package_version = launched if launched else (None, None, None, None)
    return McpServer(
        name=name,
        transport=transport,
        client="claude",
        line=line,
        command=command,
        args=args,
        package=package,
        package_name=package_name,
        package_version=package_version,
        registry=registry,
        url=url,
        env=env or {},
        headers=headers or {},
        options=options or {},
    )


def instructions(text: str, path: str = "CLAUDE.md", assistants: tuple[str, ...] = ("claude-code",)) -> Document:
    return Document(path, DocumentKind.INSTRUCTIONS, text, assistants)


def mcp(*servers: McpServer, text: str = "{}\n", path: str = ".mcp.json") -> Document:
    return Document(path, DocumentKind.MCP_CONFIG, text, (), list(servers))
