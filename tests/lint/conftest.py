from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from openaims.lint.interface import Document, DocumentKind


@dataclass(frozen=True)
class Server:
    """The shape of openaims.discovery.mcp_config.McpServer that the rules read."""

    name: str
    transport: str = "stdio"
    command: str | None = None
    args: tuple[str, ...] = ()
    package: str | None = None
    url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    client: str = "claude"
    line: int = 3
    options: dict[str, Any] = field(default_factory=dict)


def instructions(
    text: str, path: str = "CLAUDE.md", assistants: tuple[str, ...] = ("claude-code",)
) -> Document:
    return Document(path, DocumentKind.INSTRUCTIONS, text, assistants)


def mcp(*servers: Server, text: str = "{}\n", path: str = ".mcp.json") -> Document:
    return Document(path, DocumentKind.MCP_CONFIG, text, (), list(servers))


@pytest.fixture
def server_type() -> type[Server]:
    return Server
