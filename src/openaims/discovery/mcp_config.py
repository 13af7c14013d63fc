"""Reading MCP server definitions from client configuration files.

One parser for every common client: Claude Code / Desktop, Cursor, VS Code
(``servers`` plus ``inputs``; also in settings, workspaces and dev containers),
Gemini CLI, Kiro, Windsurf, Cline, Roo, Amazon Q, Continue (JSON, YAML and
``mcpServers/*.yaml`` blocks), Zed (``context_servers``), Codex
(``[mcp_servers.x]`` in TOML), goose (``extensions``) and opencode (``mcp``).
Where the configuration lives is data (``catalog/mcp_clients.yaml``);
a JSON file under any other name is recognised by its content.

Servers are only read: never started, contacted or resolved. Values are kept as
written (``env`` and ``headers`` too, so the linter can see literal tokens); the
scan detector only publishes their names.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any, Literal

import yaml

from openaims.discovery import catalog, yamlsafe
from openaims.discovery.pathglob import SuffixGlobs
from openaims.untrusted import SCAN_LIMITS, InputError, read_jsonc, read_toml

Transport = Literal["stdio", "http", "sse"]

#: Largest text handed to the (pure-Python, much slower) JSON5 parser, used only
#: when JSON with comments and trailing commas does not parse (single quotes,
#: unquoted keys).

#: Keys of a server definition that the parser reads itself; every other key
#: of the definition is kept in ``McpServer.options`` as written.
_CONSUMED = frozenset(
    {
        "command",
        "args",
        "env",
        "environment",
        "envs",
        "url",
        "serverUrl",
        "httpUrl",
        "uri",
        "type",
        "transport",
        "headers",
        "http_headers",
        "cmd",
        "name",
    }
)


@dataclass(frozen=True, slots=True)
class McpServer:
    """One MCP server as a client configuration defines it.

    ``package`` is the launched package as written (``@scope/pkg@1.2.0``,
    ``mcp-server-fetch==1.0``, ``ghcr.io/org/image:tag``) when the command is a
    package runner (npx, bunx, pnpm dlx, yarn dlx, uvx, uv tool run, pipx run,
    docker/podman run); ``package_name``, ``package_version`` and ``registry``
    (``npm``, ``pypi`` or ``docker``) split it. ``env`` and ``headers`` map
    names to values *as written* (they may hold literal credentials: never put
    the values in a report). ``options`` keeps every other key of the
    definition (``alwaysAllow``, ``autoApprove``, ``disabled``, ``trust``...).
    """

    name: str
    transport: Transport
    client: str
    line: int | None
    command: str | None = None
    args: tuple[str, ...] = ()
    package: str | None = None
    package_name: str | None = None
    package_version: str | None = None
    registry: str | None = None
    url: str | None = None
    env: dict[str, str] = field(default_factory=dict, hash=False)
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    inputs: tuple[str, ...] = ()


# --------------------------------------------------------------------------- locations


@cache
def _locations() -> tuple[tuple[str, str], ...]:
    data = catalog.load("mcp_clients")
    return tuple((str(e["glob"]), str(e["client"])) for e in data["locations"])


@cache
def _ignored_names() -> frozenset[str]:
    return frozenset(str(n) for n in catalog.load("mcp_clients").get("ignore_names", ()))


@cache
def _location_globs() -> SuffixGlobs:
    return SuffixGlobs([glob for glob, _ in _locations()])


def client_for(path: str) -> str | None:
    """The client that reads the configuration at ``path``, None when the
    location is not a known one."""
    index = _location_globs().first(path)
    return None if index is None else _locations()[index][1]


_JSON_EXTENSIONS = (".json", ".jsonc", ".json5")
_CONFIG_EXTENSIONS = (*_JSON_EXTENSIONS, ".yaml", ".yml", ".toml", ".code-workspace")


def is_candidate(path: str, name: str) -> bool:
    """Whether a file may hold MCP servers (cheap, by path only)."""
    if not name.endswith(_CONFIG_EXTENSIONS):
        return False
    if name.endswith(_JSON_EXTENSIONS) and name not in _ignored_names():
        return True  # any JSON file may be recognised by its content
    return client_for(path) is not None


# --------------------------------------------------------------------------- packages

_NPM_RUNNERS = frozenset({"npx", "bunx", "pnpx"})
_TWO_WORD = {
    ("pnpm", "dlx"): "npm",
    ("yarn", "dlx"): "npm",
    ("bun", "x"): "npm",
    ("npm", "exec"): "npm",
    ("pipx", "run"): "pypi",
    ("uv", "tool"): "pypi",
}
_VALUE_FLAGS = {
    "npm": frozenset({"-c", "--call", "--registry", "--cache"}),
    "pypi": frozenset({"--with", "-w", "--python", "-p", "--index-url", "-i", "--extra-index-url", "--index"}),
    "docker": frozenset(
        {
            "-e",
            "--env",
            "-v",
            "--volume",
            "--name",
            "-p",
            "--publish",
            "--network",
            "--net",
            "--mount",
            "-w",
            "--workdir",
            "--user",
            "-u",
            "--env-file",
            "--entrypoint",
            "-l",
            "--label",
            "--platform",
            "--add-host",
            "--cpus",
            "-m",
            "--memory",
            "--pull",
            "--hostname",
            "-h",
            "--cap-add",
            "--cap-drop",
            "--device",
            "--security-opt",
            "--restart",
            "--runtime",
            "--gpus",
            "--ipc",
            "--pid",
            "--log-driver",
            "--tmpfs",
            "--ulimit",
        }
    ),
}
#: Flags whose value is the package to run (``uvx --from pkg==1 cmd``,
#: ``pipx run --spec pkg cmd``, ``npx -p pkg cmd``).
_SPEC_FLAGS = {
    "npm": frozenset({"-p", "--package"}),
    "pypi": frozenset({"--from", "--spec"}),
}


def _basename(word: str) -> str:
    base = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for ext in (".cmd", ".exe", ".bat", ".ps1"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


def _runner(words: list[str]) -> tuple[str, list[str]] | None:
    """(registry, remaining words) when ``words`` start with a package runner."""
    if not words:
        return None
    base = _basename(words[0])
    rest = words[1:]
    if base == "cmd" and len(rest) >= 2 and rest[0].lower() == "/c":
        return _runner(rest[1:])
    if base in _NPM_RUNNERS:
        return "npm", rest
    if base in {"uvx"}:
        return "pypi", rest
    if base in {"docker", "podman"} and rest and rest[0] == "run":
        return "docker", rest[1:]
    if rest and (base, rest[0].lower()) in _TWO_WORD:
        registry = _TWO_WORD[(base, rest[0].lower())]
        rest = rest[1:]
        if base == "uv":
            if not rest or rest[0] != "run":
                return None
            rest = rest[1:]
        return registry, rest
    return None


def _first_positional(registry: str, words: list[str]) -> str | None:
    value_flags = _VALUE_FLAGS[registry]
    spec_flags = _SPEC_FLAGS.get(registry, frozenset())
    spec_from_flag: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            continue
        if word in spec_flags:
            if index < len(words) and spec_from_flag is None:
                spec_from_flag = words[index]
            index += 1
            continue
        flag, eq, value = word.partition("=")
        if eq and flag in spec_flags:
            spec_from_flag = spec_from_flag or value
            continue
        if word.startswith("-"):
            if word in value_flags:
                index += 1
            continue
        return spec_from_flag or word
    return spec_from_flag


def split_package(registry: str, spec: str) -> tuple[str, str | None]:
    """(name, version) of a package spec as a runner takes it."""
    spec = spec.strip()
    if registry == "docker":
        if "@" in spec:
            name, _, digest = spec.partition("@")
            return name, digest or None
        head, _, last = spec.rpartition("/")
        if ":" in last:
            image, _, tag = last.partition(":")
            return (f"{head}/{image}" if head else image), tag or None
        return spec, None
    if registry == "pypi":
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?:(==|@)\s*(\S+)|([<>=!~].*))?$", spec)
        if match:
            version = match.group(4)
            return match.group(1), version or None
        return spec, None
    # npm: name@version or @scope/name@version
    if spec.startswith("@"):
        name, sep, version = spec[1:].partition("@")
        return "@" + name, (version if sep and version else None)
    name, sep, version = spec.partition("@")
    return name, (version if sep and version else None)


def launched_package(command: str | None, args: tuple[str, ...]) -> tuple[str, str, str, str | None] | None:
    """(registry, spec as written, name, version) of the package a server runs."""
    words = _command_words(command, args)
    found = _runner(words)
    if found is None:
        return None
    registry, rest = found
    spec = _first_positional(registry, rest)
    if not spec or spec.startswith(("$", ".", "/", "~")) or "://" in spec:
        return None
    name, version = split_package(registry, spec)
    if not name:
        return None
    return registry, spec, name, version


def _command_words(command: str | None, args: tuple[str, ...]) -> list[str]:
    if not command:
        return list(args)
    if args:
        return [command, *args]
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


# --------------------------------------------------------------------------- text helpers


def _loads_json(text: str) -> Any:
    """JSON, JSON with comments and trailing commas, or (small files) JSON5; None otherwise."""
    try:
        return read_jsonc(text, "<mcp config>", limits=SCAN_LIMITS)
    except InputError:
        return None


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


class _JsonLines:
    """Line numbers of keys in a JSON document (by searching the text)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def key_pos(self, key: str, start: int = 0) -> int | None:
        quoted = re.escape(json.dumps(key))
        single = re.escape("'" + key + "'")
        bare = r"(?<![\w$])" + re.escape(key) if re.fullmatch(r"[A-Za-z_$][\w$]*", key) else None
        alternatives = [quoted, single] + ([bare] if bare else [])
        pattern = re.compile("(?:" + "|".join(alternatives) + r")\s*:")
        match = pattern.search(self.text, start)
        if match is None and start:
            match = pattern.search(self.text)
        return match.start() if match else None

    def server_lines(self, container: str, names: list[str]) -> dict[str, int | None]:
        start = self.key_pos(container) or 0
        lines: dict[str, int | None] = {}
        cursor = start
        for name in names:
            pos = self.key_pos(name, cursor)
            if pos is None:
                lines[name] = None
                continue
            lines[name] = _line_at(self.text, pos)
            cursor = pos + 1
        return lines


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(type(value).__name__)


def _str_map(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): _str(v) for k, v in value.items()}
    if isinstance(value, list):  # ["NAME=value", ...]
        out: dict[str, str] = {}
        for item in value:
            if isinstance(item, str):
                name, _, val = item.partition("=")
                out[name] = val
            elif isinstance(item, Mapping) and "name" in item:
                out[_str(item["name"])] = _str(item.get("value"))
        return out
    return {}


def _jsonable(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return None
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    return str(value)


_INPUT_REF = re.compile(r"\$\{input:([^}]+)\}")


# --------------------------------------------------------------------------- definitions


def _looks_like_server(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    if isinstance(value.get("command"), (str, Mapping)) or isinstance(value.get("cmd"), str):
        return True
    if any(isinstance(value.get(k), str) for k in ("url", "serverUrl", "httpUrl", "uri")):
        return True
    kind = value.get("type") or value.get("transport")
    return isinstance(kind, str) and kind.lower() in {
        "stdio",
        "http",
        "sse",
        "streamable-http",
        "streamablehttp",
        "streamable_http",
        "local",
        "remote",
    }


def _transport(definition: Mapping[str, Any], url: str | None, url_key: str | None) -> Transport:
    kind = definition.get("type")
    if not isinstance(kind, str):
        kind = definition.get("transport")
    if isinstance(kind, Mapping):  # Continue: transport: {type: ...}
        kind = kind.get("type")
    if isinstance(kind, str):
        lowered = kind.lower().replace("-", "").replace("_", "")
        if lowered == "sse":
            return "sse"
        if lowered in {"http", "streamablehttp", "websocket", "ws"}:
            return "http"
        if lowered in {"stdio", "local", "builtin"} and not url:
            return "stdio"
    if url:
        if url_key == "httpUrl":
            return "http"
        if url_key == "url" and definition.get("_client") == "gemini":
            return "sse"
        path = url.split("?", 1)[0].rstrip("/")
        return "sse" if path.endswith("/sse") else "http"
    return "stdio"


def _server(
    name: str,
    definition: Mapping[str, Any],
    client: str,
    line: int | None,
) -> McpServer:
    command_value = definition.get("command", definition.get("cmd"))
    args_value = definition.get("args")
    command: str | None = None
    args: tuple[str, ...] = ()
    env = _str_map(definition.get("env", definition.get("environment", definition.get("envs"))))
    if isinstance(command_value, Mapping):  # Zed: command: {path, args, env}
        command = _str(command_value.get("path") or command_value.get("command")) or None
        args_value = command_value.get("args", args_value)
        env = env or _str_map(command_value.get("env"))
    elif isinstance(command_value, list):  # opencode: command: ["npx", "-y", "pkg"]
        words = [_str(w) for w in command_value]
        command = words[0] if words else None
        args = tuple(words[1:])
    elif command_value is not None:
        command = _str(command_value) or None
    if isinstance(args_value, list):
        args = args + tuple(_str(a) for a in args_value)
    elif isinstance(args_value, str) and args_value:
        args = (*args, args_value)
    url_key = next((k for k in ("url", "httpUrl", "serverUrl", "uri") if isinstance(definition.get(k), str)), None)
    url = str(definition[url_key]) if url_key else None
    transport_def = definition.get("transport")
    if isinstance(transport_def, Mapping):  # Continue JSON: transport: {type, command, args, url}
        if command is None and isinstance(transport_def.get("command"), str):
            command = str(transport_def["command"])
            if isinstance(transport_def.get("args"), list):
                args = tuple(_str(a) for a in transport_def["args"])
        if url is None and isinstance(transport_def.get("url"), str):
            url, url_key = str(transport_def["url"]), "url"
        env = env or _str_map(transport_def.get("env"))
    with_client = dict(definition)
    with_client["_client"] = client
    transport = _transport(with_client, url, url_key)
    headers = _str_map(definition.get("headers", definition.get("http_headers")))
    package = launched_package(command, args) if transport == "stdio" else None
    options = {str(k): _jsonable(v) for k, v in definition.items() if str(k) not in _CONSUMED}
    refs: list[str] = []
    for text in (*args, *env.values(), *headers.values(), url or ""):
        for ref in _INPUT_REF.findall(text):
            if ref not in refs:
                refs.append(ref)
    return McpServer(
        name=name,
        transport=transport,
        client=client,
        line=line,
        command=command,
        args=args,
        package=package[1] if package else None,
        package_name=package[2] if package else None,
        package_version=package[3] if package else None,
        registry=package[0] if package else None,
        url=url,
        env=env,
        headers=headers,
        options=options,
        inputs=tuple(refs),
    )


def _from_json_block(
    block: Any, container: str, client: str, lines: _JsonLines, *, strict: bool
) -> list[McpServer] | None:
    if not isinstance(block, Mapping):
        return None
    items = [(str(k), v) for k, v in block.items()]
    if strict and (not items or not all(_looks_like_server(v) for _, v in items)):
        return None
    if not strict and any(not isinstance(v, Mapping) for _, v in items):
        return None
    positions = lines.server_lines(container, [k for k, _ in items])
    return [_server(k, v, client, positions.get(k)) for k, v in items if isinstance(v, Mapping)]


def _parse_json(text: str, client: str | None) -> list[McpServer] | None:
    data = _loads_json(text)
    if not isinstance(data, Mapping):
        return None
    lines = _JsonLines(text)
    known = client is not None
    who = client or "unknown"
    found: list[McpServer] | None = None

    def add(servers: list[McpServer] | None) -> None:
        nonlocal found
        if servers is None:
            return
        found = (found or []) + servers

    if "mcpServers" in data:
        add(_from_json_block(data["mcpServers"], "mcpServers", who, lines, strict=False))
    # Claude Code's ~/.claude.json keeps per-project servers too.
    projects = data.get("projects")
    if isinstance(projects, Mapping):
        for project in projects.values():
            if isinstance(project, Mapping) and "mcpServers" in project:
                add(_from_json_block(project["mcpServers"], "mcpServers", who, lines, strict=False))
    if "servers" in data:
        add(_from_json_block(data["servers"], "servers", who, lines, strict=not known))
    mcp = data.get("mcp")
    if isinstance(mcp, Mapping):
        if "servers" in mcp:  # VS Code settings.json / .code-workspace
            add(_from_json_block(mcp["servers"], "servers", who, lines, strict=not known))
        elif known or all(_looks_like_server(v) for v in mcp.values()):  # opencode
            add(_from_json_block(mcp, "mcp", who, lines, strict=not known))
    # .code-workspace: settings.mcp.servers; devcontainer.json:
    # customizations.vscode.settings.mcp.servers or customizations.vscode.mcp.servers
    customizations = data.get("customizations")
    vscode = customizations.get("vscode") if isinstance(customizations, Mapping) else None
    scopes = [data.get("settings")]
    if isinstance(vscode, Mapping):
        scopes += [vscode.get("settings"), vscode]
    for scope in scopes:
        inner = scope.get("mcp") if isinstance(scope, Mapping) else None
        if isinstance(inner, Mapping) and "servers" in inner:
            add(_from_json_block(inner["servers"], "servers", who, lines, strict=not known))
    if "context_servers" in data:  # Zed
        add(_from_json_block(data["context_servers"], "context_servers", who, lines, strict=False))
    experimental = data.get("experimental")
    if isinstance(experimental, Mapping) and isinstance(experimental.get("modelContextProtocolServers"), list):
        add(_continue_list(experimental["modelContextProtocolServers"], who, lines))
    if found is None and known and isinstance(data.get("mcpServers"), list):
        add(_continue_list(data["mcpServers"], who, lines))
    return found


def _continue_list(items: list[Any], client: str, lines: _JsonLines) -> list[McpServer]:
    out: list[McpServer] = []
    cursor = lines.key_pos("modelContextProtocolServers") or lines.key_pos("mcpServers") or 0
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        name = _str(item.get("name")) or f"server-{index + 1}"
        pos = lines.key_pos("transport", cursor) if "name" not in item else lines.key_pos("name", cursor)
        line = _line_at(lines.text, pos) if pos is not None else None
        if pos is not None:
            cursor = pos + 1
        out.append(_server(name, item, client, line))
    return out


# --------------------------------------------------------------------------- YAML and TOML


def _yaml_node_map(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            out[str(key.value)] = (key, value)
    return out


def _parse_yaml(text: str, client: str) -> list[McpServer] | None:
    found_doc = yamlsafe.document(text)
    root, data = (found_doc.root, found_doc.data) if found_doc is not None else (None, None)
    if root is None or not isinstance(data, Mapping):
        return None
    nodes = _yaml_node_map(root)
    found: list[McpServer] | None = None
    block = data.get("mcpServers")
    if isinstance(block, list) and "mcpServers" in nodes:  # Continue config.yaml / block files
        found = []
        items_node = nodes["mcpServers"][1]
        item_nodes = items_node.value if isinstance(items_node, yaml.SequenceNode) else []
        for index, item in enumerate(block):
            if not isinstance(item, Mapping):
                continue
            node = item_nodes[index] if index < len(item_nodes) else None
            line = node.start_mark.line + 1 if node is not None else None
            name_node = _yaml_node_map(node).get("name") if node is not None else None
            if name_node is not None:
                line = name_node[0].start_mark.line + 1
            found.append(_server(_str(item.get("name")) or f"server-{index + 1}", item, client, line))
    elif isinstance(block, Mapping):
        found = _yaml_mapping(block, nodes["mcpServers"][1], client)
    extensions = data.get("extensions")
    if client == "goose" and isinstance(extensions, Mapping):  # goose: extensions: {name: {...}}
        servers = [s for s in _yaml_mapping(extensions, nodes["extensions"][1], client) if s.command or s.url]
        found = (found or []) + servers
    return found


def _yaml_mapping(block: Mapping[Any, Any], node: yaml.Node, client: str) -> list[McpServer]:
    keys = _yaml_node_map(node)
    out = []
    for name, definition in block.items():
        if not isinstance(definition, Mapping):
            continue
        key = keys.get(str(name))
        line = key[0].start_mark.line + 1 if key else None
        out.append(_server(str(name), definition, client, line))
    return out


def _parse_toml(text: str, client: str) -> list[McpServer] | None:
    try:
        data = read_toml(text, "<mcp config>", limits=SCAN_LIMITS)
    except InputError:
        return None
    block = data.get("mcp_servers")
    if not isinstance(block, Mapping):
        return None
    out = []
    for name, definition in block.items():
        if not isinstance(definition, Mapping):
            continue
        header = re.compile(
            r"^[ \t]*\[\s*mcp_servers\s*\.\s*(?:" + re.escape(name) + "|" + re.escape(json.dumps(name)) + r")\s*[\].]",
            re.M,
        )
        match = header.search(text)
        if match is None:
            match = re.search(r"^[ \t]*" + re.escape(name) + r"\s*=", text, re.M)
        line = _line_at(text, match.start()) if match else None
        out.append(_server(str(name), definition, client, line))
    return out


# --------------------------------------------------------------------------- entry point


def parse_mcp_config(text: str, path: str) -> list[McpServer] | None:
    """The servers a configuration file defines.

    ``path`` (relative, ``/``-separated) decides the client and the format.
    Returns ``None`` when the text is not an MCP configuration (not parseable,
    or no server block), and a possibly empty list when it is. Never raises on
    malformed content.
    """
    client = client_for(path)
    name = PurePosixPath(path).name.lower()
    if name.endswith(".toml"):
        return _parse_toml(text, client or "codex") if client else None
    if name.endswith((".yaml", ".yml")):
        return _parse_yaml(text, client) if client else None
    return _parse_json(text, client)
