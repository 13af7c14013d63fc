"""Finding and loading the files the linter reads: agent instruction files, MCP
configurations and agent settings files, each with the assistants that read it."""

from __future__ import annotations

import fnmatch
import io
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from openaims.discovery.interface import Detector, FileView, Finding, FindingKind, ScanOptions
from openaims.lint.interface import Document, DocumentKind
from openaims.untrusted import SCAN_LIMITS, InputError, read_jsonc, read_toml, read_yaml

#: Largest file the linter reads (instruction files beyond this are reported as large).
MAX_BYTES = 2 * 1024 * 1024

#: Which assistants read which instruction files (glob on the relative path).
_READERS: list[tuple[str, tuple[str, ...]]] = [
    ("CLAUDE.md", ("claude-code",)),
    ("*/CLAUDE.md", ("claude-code",)),
    ("CLAUDE.local.md", ("claude-code",)),
    ("*/CLAUDE.local.md", ("claude-code",)),
    (".claude/*", ("claude-code",)),
    ("AGENTS.md", ("codex", "cursor", "copilot", "gemini")),
    ("*/AGENTS.md", ("codex", "cursor", "copilot", "gemini")),
    ("GEMINI.md", ("gemini",)),
    ("*/GEMINI.md", ("gemini",)),
    (".cursorrules", ("cursor",)),
    (".cursor/rules/*", ("cursor",)),
    (".github/copilot-instructions.md", ("copilot",)),
    (".github/instructions/*", ("copilot",)),
    (".github/prompts/*", ("copilot",)),
    (".windsurfrules", ("windsurf",)),
    (".windsurf/*", ("windsurf",)),
    (".clinerules", ("cline",)),
    (".clinerules/*", ("cline",)),
    (".aider.conf.yml", ("aider",)),
    (".junie/*", ("junie",)),
]

#: Agent settings files (relative to the repository root or any directory).
SETTINGS_FILES: tuple[str, ...] = (
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".vscode/settings.json",
    ".gemini/settings.json",
    ".codex/config.toml",
    ".aider.conf.yml",
)


def assistants_for(path: str) -> tuple[str, ...]:
    found: list[str] = []
    for pattern, who in _READERS:
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern):
            found.extend(w for w in who if w not in found)
    return tuple(found)


def is_settings_file(path: str) -> bool:
    return any(path == name or path.endswith("/" + name) for name in SETTINGS_FILES)


def read_inside(root: Path, relpath: str) -> str | None:
    """Text of a file under ``root`` (None if missing, too large, or outside the root)."""
    candidate = root / relpath
    try:
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
            return None
        with resolved.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")


def parse_settings(path: str, text: str) -> Any:
    """Parsed settings (JSON with comments, TOML or YAML); None when it doesn't parse."""
    try:
        if path.endswith(".toml"):
            return read_toml(text, path, limits=SCAN_LIMITS)
        if path.endswith((".yml", ".yaml")):
            return read_yaml(text, path, limits=SCAN_LIMITS)
        return read_jsonc(text, path, limits=SCAN_LIMITS)
    except InputError:  # unparseable settings are simply not checked
        return None


def parse_mcp(path: str, text: str) -> list[Any] | None:
    from openaims.discovery.mcp_config import parse_mcp_config

    servers = parse_mcp_config(text, path)
    return list(servers) if servers is not None else None


def documents_from_findings(root: Path, findings: Iterable[Finding]) -> list[Document]:
    """Documents for the instruction files and MCP configs a scan found."""
    docs: dict[str, Document] = {}
    for finding in findings:
        if finding.path in docs:
            continue
        if finding.kind is FindingKind.AGENT_INSTRUCTIONS:
            text = read_inside(root, finding.path)
            if text is None:
                continue
            assistant = finding.details.get("assistant")
            who = assistants_for(finding.path) or ((str(assistant),) if assistant else ())
            if finding.path.endswith(".aider.conf.yml"):
                docs[finding.path] = Document(
                    finding.path, DocumentKind.SETTINGS, text, who, parse_settings(finding.path, text)
                )
            else:
                docs[finding.path] = Document(finding.path, DocumentKind.INSTRUCTIONS, text, who)
        elif finding.kind is FindingKind.MCP_SERVER:
            text = read_inside(root, finding.path)
            if text is None:
                continue
            docs[finding.path] = Document(
                finding.path, DocumentKind.MCP_CONFIG, text, (), parse_mcp(finding.path, text) or []
            )
    return sorted(docs.values(), key=lambda d: d.path)


def settings_documents(root: Path, paths: Sequence[str] | None) -> list[Document]:
    """Agent settings files: the named paths that are settings files, or the
    well-known locations at the root when no paths are named."""
    candidates = [p for p in paths if is_settings_file(p)] if paths is not None else list(SETTINGS_FILES)
    docs = []
    for rel in candidates:
        text = read_inside(root, rel)
        if text is None:
            continue
        docs.append(Document(rel, DocumentKind.SETTINGS, text, assistants_for(rel), parse_settings(rel, text)))
    return docs


class TextFileView(FileView):
    """An in-memory FileView, to run discovery's secret detectors on a document."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.name = PurePosixPath(path).name
        self._data = text.encode("utf-8")
        self.size = len(self._data)
        self.options = ScanOptions(root=Path("."))

    def data(self) -> bytes:
        return self._data

    def text(self) -> str:
        return self._data.decode("utf-8", errors="replace")

    def head(self, size: int) -> bytes:
        return self._data[:size]

    def open_binary(self) -> Any:
        return io.BytesIO(self._data)

    def read_relative(self, relpath: str) -> str | None:
        return None


def _secret_detectors() -> list[Detector]:
    from openaims.discovery.registry import all_detectors

    return [d for d in all_detectors() if FindingKind.SECRET in d.kinds]


def secret_findings(doc: Document) -> list[tuple[int | None, str, str]]:
    """(line, key type, fingerprint) of every secret in the document; never the value."""
    view = TextFileView(doc.path, doc.text)
    out = []
    for detector in _secret_detectors():
        for finding in detector.scan(view):
            out.append((finding.line, finding.name, finding.fingerprint or finding.redacted or "?"))
    return out
