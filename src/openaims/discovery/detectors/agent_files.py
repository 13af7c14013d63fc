"""Agent instruction files: CLAUDE.md, AGENTS.md, Cursor and Copilot rules, and
the other files coding assistants read as standing instructions.

Locations are data (``catalog/agent_files.yaml``). One finding per file, at
line 1, named by the kind of file, with the assistant that reads it and the
file's size, line count and SHA-256 (so a change to the instructions shows up
between scans). The content itself is checked by the agent-config linter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from openaims.discovery import catalog
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.pathglob import SuffixGlobs

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class AgentFileKind:
    glob: str
    kind: str
    assistant: str
    provider: str | None


@cache
def kinds() -> tuple[AgentFileKind, ...]:
    """Every instruction-file location of the catalogue, in catalogue order."""
    return tuple(
        AgentFileKind(str(e["glob"]), str(e["kind"]), str(e["assistant"]), e.get("provider"))
        for e in catalog.load("agent_files")["files"]
    )


@cache
def _globs() -> SuffixGlobs:
    return SuffixGlobs([entry.glob for entry in kinds()])


def classify(path: str) -> AgentFileKind | None:
    """The instruction-file kind of ``path`` (relative, ``/``-separated), if any."""
    index = _globs().first(path)
    return None if index is None else kinds()[index]


class AgentInstructionsDetector(Detector):
    """Instruction, rule, command, sub-agent and skill files of coding assistants."""

    id = "agent-instructions.files"
    kinds = frozenset({FindingKind.AGENT_INSTRUCTIONS})

    def wants(self, path: str, name: str) -> bool:
        return classify(path) is not None

    def scan(self, file: FileView) -> Iterable[Finding]:
        entry = classify(file.path)
        if entry is None:
            return []
        data = file.data()
        if len(data) >= file.size:
            digest = hashlib.sha256(data).hexdigest()
            lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        else:
            digest, lines = self._stream(file)
        return [
            Finding(
                kind=FindingKind.AGENT_INSTRUCTIONS,
                name=entry.kind,
                path=file.path,
                line=1,
                detector=self.id,
                provider=entry.provider,
                category="coding-assistant",
                details={
                    "assistant": entry.assistant,
                    "bytes": file.size,
                    "lines": lines,
                    "sha256": digest,
                },
            )
        ]

    @staticmethod
    def _stream(file: FileView) -> tuple[str, int]:
        digest = hashlib.sha256()
        lines = 0
        last = b""
        with file.open_binary() as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                lines += chunk.count(b"\n")
                last = chunk
        if last and not last.endswith(b"\n"):
            lines += 1
        return digest.hexdigest(), lines
