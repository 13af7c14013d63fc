"""MCP server configurations: every client's format, recognition by content,
package parsing, and what a finding may and may not carry."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.discovery.files.conftest import run

from openaims.discovery.detectors.mcp import McpServerDetector, safe_args, safe_url
from openaims.discovery.interface import FindingKind
from openaims.discovery.mcp_config import McpServer, launched_package, parse_mcp_config

DETECTOR = McpServerDetector()


def _summary(
    servers: list[McpServer] | None,
) -> set[tuple[str, str, str | None, str | None, str, int | None]]:
    assert servers is not None
    return {(s.name, s.transport, s.package, s.url, s.client, s.line) for s in servers}


CLAUDE = """{
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"}
    },
    "docs": {"type": "http", "url": "https://mcp.example.com/mcp"}
  }
}
"""

CURSOR_JSONC = """// Cursor project servers
{
  "mcpServers": {
    /* the fetch server */
    "fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"],},
    'legacy': {"url": "https://old.example.com/sse"},
  },
}
"""

VSCODE = """{
  "inputs": [{"type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true}],
  "servers": {
    "github": {
      "type": "stdio",
      "command": "docker",
      "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server:v0.4.0"],
      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${input:gh-token}"}
    },
    "copilot": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}
  }
}
"""

GEMINI = """{
  "theme": "Default",
  "mcpServers": {
    "events": {"url": "http://localhost:8080/events"},
    "stream": {"httpUrl": "https://stream.example.com/mcp", "headers": {"Authorization": "Bearer abc"}},
    "py": {"command": "python", "args": ["-m", "my_server"], "cwd": "./srv", "trust": true}
  }
}
"""

ZED = """{
  "theme": "One Dark",
  "context_servers": {
    "postgres": {"command": {"path": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2", "postgres://localhost/db"], "env": {}}},
    "brave": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-brave-search"], "env": {"BRAVE_API_KEY": "x"}}
  }
}
"""

CONTINUE_JSON = """{
  "models": [],
  "experimental": {
    "modelContextProtocolServers": [
      {"transport": {"type": "stdio", "command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "test.db"]}}
    ]
  }
}
"""

CONTINUE_YAML = """name: Assistant
version: 0.0.1
schema: v1
mcpServers:
  - name: SQLite MCP
    command: npx
    args:
      - "-y"
      - "mcp-sqlite@1.0.0"
      - "/path/to/your/database.db"
  - name: Remote
    type: sse
    url: https://remote.example.com/sse
"""

CODEX = """model = "o3"

[mcp_servers.context7]
command = "npx"
args = ["-y", "@upstash/context7-mcp@1.0.14"]

[mcp_servers.context7.env]
API_KEY = "value"

[mcp_servers."remote-docs"]
url = "https://docs.example.com/mcp"
"""

GOOSE = """GOOSE_PROVIDER: openai
extensions:
  developer:
    enabled: true
    name: developer
    type: builtin
  github:
    cmd: npx
    args: [-y, "@modelcontextprotocol/server-github"]
    enabled: true
    envs: {GITHUB_PERSONAL_ACCESS_TOKEN: x}
    type: stdio
"""

CLAUDE_JSON = """{
  "numStartups": 3,
  "projects": {
    "/home/me/app": {
      "mcpServers": {"sentry": {"type": "sse", "url": "https://mcp.sentry.dev/sse"}}
    }
  }
}
"""

OPENCODE = """{
  "$schema": "https://opencode.ai/config.json",
  "mcp": {
    "local-fs": {"type": "local", "command": ["npx", "-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "."], "enabled": true},
    "remote": {"type": "remote", "url": "https://mcp.example.com/mcp"}
  }
}
"""


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            ".mcp.json",
            CLAUDE,
            {
                ("github", "stdio", "@modelcontextprotocol/server-github@2025.4.8", None, "claude-code", 3),
                ("docs", "http", None, "https://mcp.example.com/mcp", "claude-code", 8),
            },
        ),
        (
            "services/api/.cursor/mcp.json",
            CURSOR_JSONC,
            {
                ("fetch", "stdio", "mcp-server-fetch==2025.4.7", None, "cursor", 5),
                ("legacy", "sse", None, "https://old.example.com/sse", "cursor", 6),
            },
        ),
        (
            ".vscode/mcp.json",
            VSCODE,
            {
                ("github", "stdio", "ghcr.io/github/github-mcp-server:v0.4.0", None, "vscode", 4),
                ("copilot", "http", None, "https://api.githubcopilot.com/mcp/", "vscode", 10),
            },
        ),
        (
            ".gemini/settings.json",
            GEMINI,
            {
                ("events", "sse", None, "http://localhost:8080/events", "gemini", 4),
                ("stream", "http", None, "https://stream.example.com/mcp", "gemini", 5),
                ("py", "stdio", None, None, "gemini", 6),
            },
        ),
        (
            ".zed/settings.json",
            ZED,
            {
                ("postgres", "stdio", "@modelcontextprotocol/server-postgres@0.6.2", None, "zed", 4),
                ("brave", "stdio", "@modelcontextprotocol/server-brave-search", None, "zed", 5),
            },
        ),
        (
            ".continue/config.json",
            CONTINUE_JSON,
            {("server-1", "stdio", "mcp-server-sqlite", None, "continue", 5)},
        ),
        (
            ".continue/config.yaml",
            CONTINUE_YAML,
            {
                ("SQLite MCP", "stdio", "mcp-sqlite@1.0.0", None, "continue", 5),
                ("Remote", "sse", None, "https://remote.example.com/sse", "continue", 11),
            },
        ),
        (
            ".codex/config.toml",
            CODEX,
            {
                ("context7", "stdio", "@upstash/context7-mcp@1.0.14", None, "codex", 3),
                ("remote-docs", "http", None, "https://docs.example.com/mcp", "codex", 10),
            },
        ),
        (
            ".config/goose/config.yaml",
            GOOSE,
            {("github", "stdio", "@modelcontextprotocol/server-github", None, "goose", 7)},
        ),
        (
            ".claude.json",
            CLAUDE_JSON,
            {("sentry", "sse", None, "https://mcp.sentry.dev/sse", "claude-code", 5)},
        ),
        (
            "opencode.json",
            OPENCODE,
            {
                (
                    "local-fs",
                    "stdio",
                    "@modelcontextprotocol/server-filesystem@2025.7.1",
                    None,
                    "opencode",
                    4,
                ),
                ("remote", "http", None, "https://mcp.example.com/mcp", "opencode", 5),
            },
        ),
    ],
)
def test_every_client_format(path: str, text: str, expected: set[tuple[object, ...]]) -> None:
    assert _summary(parse_mcp_config(text, path)) == expected


@pytest.mark.parametrize(
    ("path", "client"),
    [
        ("claude_desktop_config.json", "claude-desktop"),
        (".kiro/settings/mcp.json", "kiro"),
        (".codeium/windsurf/mcp_config.json", "windsurf"),
        ("mcp_config.json", "windsurf"),
        ("cline_mcp_settings.json", "cline"),
        (".roo/mcp.json", "roo-code"),
        (".amazonq/mcp.json", "amazon-q"),
        (".claude/settings.local.json", "claude-code"),
        ("apps/api/.mcp.json", "claude-code"),
    ],
)
def test_mcp_servers_clients_by_location(path: str, client: str) -> None:
    servers = parse_mcp_config(CLAUDE, path) or []
    assert [(s.name, s.line, s.client) for s in servers] == [("github", 3, client), ("docs", 8, client)]


def test_devcontainer_and_workspace_servers() -> None:
    devcontainer = """{
  // dev container
  "name": "app",
  "customizations": {
    "vscode": {
      "settings": {"mcp": {"servers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch==1.0"]}}}},
      "mcp": {"servers": {"remote": {"type": "http", "url": "https://mcp.example.com/mcp"}}}
    }
  }
}
"""
    servers = parse_mcp_config(devcontainer, ".devcontainer/devcontainer.json") or []
    assert [(s.name, s.client, s.line, s.transport) for s in servers] == [
        ("fetch", "vscode", 6, "stdio"),
        ("remote", "vscode", 7, "http"),
    ]
    workspace = '{"folders": [], "settings": {"mcp": {"servers": {"db": {"command": "npx", "args": ["db-mcp@1"]}}}}}'
    (server,) = parse_mcp_config(workspace, "team.code-workspace") or []
    assert (server.name, server.client, server.package) == ("db", "vscode", "db-mcp@1")
    assert (
        parse_mcp_config('{"name": "app", "customizations": {"vscode": {}}}', ".devcontainer/devcontainer.json") is None
    )


def test_continue_block_files_and_vscode_settings() -> None:
    block = parse_mcp_config(CONTINUE_YAML, ".continue/mcpServers/db.yaml") or []
    assert [(s.name, s.client, s.line) for s in block] == [
        ("SQLite MCP", "continue", 5),
        ("Remote", "continue", 11),
    ]
    settings_text = '{\n  "editor.tabSize": 2,\n  "mcp": {\n    "servers": {\n      "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}\n    }\n  }\n}\n'
    (server,) = parse_mcp_config(settings_text, ".vscode/settings.json") or []
    assert (server.name, server.client, server.line, server.package) == (
        "fetch",
        "vscode",
        5,
        "mcp-server-fetch",
    )


def test_server_fields_as_written() -> None:
    servers = {s.name: s for s in parse_mcp_config(GEMINI, ".gemini/settings.json") or []}
    assert servers["stream"].headers == {"Authorization": "Bearer abc"}
    assert servers["py"].options == {"cwd": "./srv", "trust": True}
    assert servers["py"].command == "python"
    assert servers["py"].args == ("-m", "my_server")
    vscode = {s.name: s for s in parse_mcp_config(VSCODE, ".vscode/mcp.json") or []}
    assert vscode["github"].inputs == ("gh-token",)
    assert vscode["github"].env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "${input:gh-token}"}
    assert (vscode["github"].registry, vscode["github"].package_name, vscode["github"].package_version) == (
        "docker",
        "ghcr.io/github/github-mcp-server",
        "v0.4.0",
    )
    codex = {s.name: s for s in parse_mcp_config(CODEX, ".codex/config.toml") or []}
    assert codex["context7"].env == {"API_KEY": "value"}


def test_raw_options_kept_for_the_linter() -> None:
    text = json.dumps(
        {
            "mcpServers": {
                "fs": {
                    "command": "npx",
                    "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"],
                    "alwaysAllow": ["read_file", "write_file"],
                    "autoApprove": ["list"],
                    "disabled": False,
                    "timeout": 60,
                }
            }
        }
    )
    (server,) = parse_mcp_config(text, "cline_mcp_settings.json") or []
    assert server.options == {
        "alwaysAllow": ["read_file", "write_file"],
        "autoApprove": ["list"],
        "disabled": False,
        "timeout": 60,
    }


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        (
            "npx",
            ("-y", "@modelcontextprotocol/server-github@1.2.3"),
            ("npm", "@modelcontextprotocol/server-github", "1.2.3"),
        ),
        ("npx", ("--yes", "pkg"), ("npm", "pkg", None)),
        ("npx", ("-y", "-p", "@scope/tool@2.0.0", "tool-bin"), ("npm", "@scope/tool", "2.0.0")),
        ("npx.cmd", ("-y", "pkg@latest"), ("npm", "pkg", "latest")),
        ("/usr/local/bin/npx", ("pkg@1",), ("npm", "pkg", "1")),
        ("bunx", ("pkg@3",), ("npm", "pkg", "3")),
        ("pnpm", ("dlx", "pkg@4"), ("npm", "pkg", "4")),
        ("yarn", ("dlx", "@a/b"), ("npm", "@a/b", None)),
        ("cmd", ("/c", "npx", "-y", "pkg@5"), ("npm", "pkg", "5")),
        ("npx -y pkg@6", (), ("npm", "pkg", "6")),
        ("uvx", ("mcp-server-fetch==1.0",), ("pypi", "mcp-server-fetch", "1.0")),
        ("uvx", ("mcp-server-git@2.1",), ("pypi", "mcp-server-git", "2.1")),
        (
            "uvx",
            ("--from", "awslabs.core-mcp-server==1.0", "core"),
            ("pypi", "awslabs.core-mcp-server", "1.0"),
        ),
        ("uvx", ("-p", "3.12", "tool[extra]==3"), ("pypi", "tool", "3")),
        ("uv", ("tool", "run", "srv"), ("pypi", "srv", None)),
        ("pipx", ("run", "--spec", "pkg==9", "bin"), ("pypi", "pkg", "9")),
        ("pipx", ("run", "pkg"), ("pypi", "pkg", None)),
        (
            "docker",
            ("run", "-i", "--rm", "-e", "A", "-v", "/x:/y", "mcp/github:1.0"),
            ("docker", "mcp/github", "1.0"),
        ),
        ("docker", ("run", "--rm", "localhost:5000/img"), ("docker", "localhost:5000/img", None)),
        ("podman", ("run", "img@sha256:" + "a" * 64), ("docker", "img", "sha256:" + "a" * 64)),
    ],
)
def test_launched_package(command: str, args: tuple[str, ...], expected: tuple[str, str, str | None]) -> None:
    found = launched_package(command, args)
    assert found is not None
    assert (found[0], found[2], found[3]) == expected


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("node", ("server.js",)),
        ("python", ("-m", "srv")),
        ("npx", ()),
        ("npx", ("-y", "./local-server")),
        ("uvx", ("--python", "3.12")),
        ("docker", ("ps",)),
        ("uv", ("run", "server.py")),
        (None, ()),
    ],
)
def test_no_package_for_local_commands(command: str | None, args: tuple[str, ...]) -> None:
    assert launched_package(command, args) is None


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("tools/assistant-servers.json", '{"mcpServers": {"x": {"command": "npx", "args": ["-y", "x@1"]}}}'),
        (
            "config/servers.json",
            '{"servers": {"db": {"type": "stdio", "command": "uvx", "args": ["db-mcp"]}}}',
        ),
        ("config/remote.jsonc", '{"servers": {"r": {"url": "https://r.example.com/mcp"}} // remote\n}'),
    ],
)
def test_recognised_by_content_under_other_names(path: str, text: str) -> None:
    findings = run(DETECTOR, path, text)
    assert len(findings) == 1
    assert findings[0].details["client"] == "unknown"
    assert findings[0].details["recognised_by"] == "content"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("config/servers.json", '{"servers": {"web": {"host": "0.0.0.0", "port": 80}}}'),
        ("config/servers.json", '{"servers": ["a", "b"]}'),
        ("config/app.json", '{"name": "x", "command": "npx"}'),
        ("package.json", '{"mcpServers": {"x": {"command": "npx"}}}'),
        (".claude/settings.json", '{"permissions": {"allow": ["Bash(ls)"]}}'),
        (".vscode/settings.json", '{"editor.fontSize": 12}'),
        ("notes.json", "not json at all {"),
        ("README.md", '{"mcpServers": {"x": {"command": "npx"}}}'),
        (".codex/config.toml", 'model = "o3"\n'),
        (".continue/config.yaml", "name: x\nmodels: []\n"),
    ],
)
def test_not_an_mcp_config(path: str, text: str) -> None:
    assert run(DETECTOR, path, text) == []


def test_empty_server_block_is_a_config_without_servers() -> None:
    assert parse_mcp_config('{"mcpServers": {}}', ".mcp.json") == []
    assert parse_mcp_config('{"a": 1}', ".mcp.json") is None


def test_finding_fields_and_provider() -> None:
    findings = {f.name: f for f in run(DETECTOR, ".vscode/mcp.json", VSCODE)}
    github = findings["github"]
    assert github.kind is FindingKind.MCP_SERVER
    assert (github.path, github.line, github.provider, github.version, github.ecosystem) == (
        ".vscode/mcp.json",
        4,
        "github",
        "v0.4.0",
        None,
    )
    assert github.details == {
        "transport": "stdio",
        "command": "docker",
        "args": [
            "run",
            "-i",
            "--rm",
            "-e",
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            "ghcr.io/github/github-mcp-server:v0.4.0",
        ],
        "package": "ghcr.io/github/github-mcp-server:v0.4.0",
        "url": None,
        "env": ["GITHUB_PERSONAL_ACCESS_TOKEN"],
        "client": "vscode",
        "registry": "docker",
        "package_name": "ghcr.io/github/github-mcp-server",
        "package_version": "v0.4.0",
        "inputs": ["gh-token"],
    }
    assert findings["copilot"].provider == "github"
    npm = {f.name: f for f in run(DETECTOR, ".mcp.json", CLAUDE)}["github"]
    assert (npm.provider, npm.ecosystem, npm.version) == ("github", "npm", "2025.4.8")
    assert {f.provider for f in run(DETECTOR, ".gemini/settings.json", GEMINI)} == {None}


def test_env_and_header_values_never_reach_the_report() -> None:
    token = "ghp_" + "Zx9" * 12
    bearer = "sk-" + "ant-" + "Q" * 30
    text = json.dumps(
        {
            "mcpServers": {
                "gh": {
                    "command": "docker",
                    "args": [
                        "run",
                        "-e",
                        "GITHUB_TOKEN=" + token,
                        "--api-key",
                        bearer,
                        "ghcr.io/github/github-mcp-server:1",
                    ],
                    "env": {"GITHUB_TOKEN": token, "OTHER": bearer},
                },
                "inline": {"command": "npx -y some-mcp --api-key " + bearer + " GITHUB_TOKEN=" + token},
                "remote": {
                    "url": "https://user:" + token + "@mcp.example.com/mcp?key=" + bearer,
                    "headers": {"Authorization": "Bearer " + bearer},
                },
            }
        },
        indent=2,
    )
    findings = run(DETECTOR, ".mcp.json", text)
    assert {f.name for f in findings} == {"gh", "inline", "remote"}
    dumped = json.dumps([f.to_dict() for f in findings])
    assert token not in dumped
    assert bearer not in dumped
    assert "Zx9Zx9" not in dumped
    by_name = {f.name: f for f in findings}
    assert by_name["gh"].details["env"] == ["GITHUB_TOKEN", "OTHER"]
    assert by_name["remote"].details["headers"] == ["Authorization"]
    assert by_name["remote"].details["url"] == "https://mcp.example.com/mcp?key=<redacted>"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--token", "abc", "x"], ["--token", "<redacted>", "x"]),
        (["API_KEY=abc"], ["API_KEY=<redacted>"]),
        (["-e", "ANY=abc"], ["-e", "ANY=<redacted>"]),
        (["-e", "NAME"], ["-e", "NAME"]),
        (["Bearer abc"], ["Bearer <redacted>"]),
        (["--port", "80", "/data"], ["--port", "80", "/data"]),
    ],
)
def test_safe_args(args: list[str], expected: list[str]) -> None:
    assert safe_args(args) == expected


def test_safe_url_drops_credentials() -> None:
    assert safe_url("https://a:b@h.example.com:8443/p?x=1&y") == "https://h.example.com:8443/p?x=<redacted>&y"


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.binary(max_size=400).map(lambda b: b.decode("utf-8", "replace")), st.text(max_size=400)),
    st.sampled_from(
        [
            ".mcp.json",
            "x/other.json",
            ".codex/config.toml",
            ".continue/config.yaml",
            ".config/goose/config.yaml",
        ]
    ),
)
def test_parser_never_raises(text: str, path: str) -> None:
    result = parse_mcp_config(text, path)
    assert result is None or all(isinstance(s, McpServer) for s in result)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["mcpServers", "servers", "context_servers", "mcp", "experimental", "projects"]),
        _json_values,
        max_size=3,
    )
)
def test_parser_never_raises_on_odd_structures(data: dict[str, object]) -> None:
    text = json.dumps(data)
    for path in (".mcp.json", "cfg/x.json", ".vscode/settings.json"):
        result = parse_mcp_config(text, path)
        assert result is None or isinstance(result, list)
        for finding in DETECTOR.scan(
            __import__("tests.discovery.files.conftest", fromlist=["MemoryFile"]).MemoryFile(path, text)
        ):
            json.dumps(finding.to_dict())


@pytest.mark.parametrize(
    "text",
    [
        CLAUDE,
        CURSOR_JSONC,
        VSCODE,
        GEMINI,
        ZED,
        CONTINUE_JSON,
        CONTINUE_YAML,
        CODEX,
        GOOSE,
        CLAUDE_JSON,
        OPENCODE,
    ],
)
def test_prefilter_lets_every_format_through(text: str) -> None:
    import re

    combined = re.compile("|".join(f"(?:{f})" for f in DETECTOR.prefilter).encode())
    assert combined.search(text.encode())


def test_fixture_tree_exact_findings() -> None:
    from tests.discovery.files.conftest import run_tree

    tree: dict[str, str | bytes] = {
        ".mcp.json": CLAUDE,
        ".vscode/mcp.json": VSCODE,
        ".vscode/settings.json": '{"editor.tabSize": 2}',
        "apps/web/.cursor/mcp.json": CURSOR_JSONC,
        ".codex/config.toml": CODEX,
        "package.json": '{"name": "x", "mcpServers": {"a": {"command": "npx"}}}',
        "config/servers.json": '{"servers": {"web": {"host": "0.0.0.0"}}}',
        "tools/agents.json": '{"mcpServers": {"local": {"command": "node", "args": ["srv.js"]}}}',
        "README.md": "mcpServers",
    }
    found = {(f.path, f.name, f.line, f.details["client"], f.details["transport"]) for f in run_tree([DETECTOR], tree)}
    assert found == {
        (".mcp.json", "github", 3, "claude-code", "stdio"),
        (".mcp.json", "docs", 8, "claude-code", "http"),
        (".vscode/mcp.json", "github", 4, "vscode", "stdio"),
        (".vscode/mcp.json", "copilot", 10, "vscode", "http"),
        ("apps/web/.cursor/mcp.json", "fetch", 5, "cursor", "stdio"),
        ("apps/web/.cursor/mcp.json", "legacy", 6, "cursor", "sse"),
        (".codex/config.toml", "context7", 3, "codex", "stdio"),
        (".codex/config.toml", "remote-docs", 10, "codex", "http"),
        ("tools/agents.json", "local", 1, "unknown", "stdio"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, // note\n "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),
        ('{"u": "http://x/y", /* c, } */ "v": "a // b /* c */"}', {"u": "http://x/y", "v": "a // b /* c */"}),
        ('{"q": "say \\"hi\\",", "r": "\\\\",\n}', {"q": 'say "hi",', "r": "\\"}),
        ('{"a": [ , ]}', {"a": []}),  # lenient: a lone comma before a bracket goes too
        ('{"a": 1 "b": 2}', None),
    ],
)
def test_strip_jsonc(text: str, expected: object) -> None:
    from openaims.untrusted import strip_jsonc

    stripped = strip_jsonc(text)
    assert stripped is not None
    if expected is None:
        with pytest.raises(ValueError):
            json.loads(stripped)
    else:
        assert json.loads(stripped) == expected


@pytest.mark.parametrize("text", ['{"a": "unterminated', '{"a": 1 /* open comment'])
def test_strip_jsonc_unterminated(text: str) -> None:
    from openaims.untrusted import strip_jsonc

    assert strip_jsonc(text) is None


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_strip_jsonc_keeps_plain_json(value: object) -> None:
    from openaims.untrusted import strip_jsonc

    for text in (json.dumps(value), json.dumps(value, indent=2, ensure_ascii=False)):
        stripped = strip_jsonc(text)
        assert stripped is not None
        assert json.loads(stripped) == value


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[],:"/*\\\n ab1', max_size=200))
def test_strip_jsonc_never_raises(text: str) -> None:
    from openaims.untrusted import strip_jsonc

    strip_jsonc(text)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[A-Z][A-Z0-9_]{2,20}", fullmatch=True),
        st.from_regex(r"[a-zA-Z0-9_\-.]{16,40}", fullmatch=True).map(lambda v: "Q7v" + v),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from([".mcp.json", ".vscode/mcp.json", "tools/x.json"]),
)
def test_env_and_header_values_never_in_findings_property(values: dict[str, str], path: str) -> None:
    block = "servers" if path == ".vscode/mcp.json" else "mcpServers"
    text = json.dumps(
        {
            block: {
                "local": {"command": "npx", "args": ["-y", "pkg@1"], "env": values},
                "remote": {"type": "http", "url": "https://mcp.example.com/mcp", "headers": values},
            }
        }
    )
    findings = run(DETECTOR, path, text)
    assert {f.name for f in findings} == {"local", "remote"}
    dumped = json.dumps([f.to_dict() for f in findings])
    for value in values.values():
        assert value not in dumped
    assert {f.name: f.details.get("env") for f in findings}["local"] == sorted(values)
