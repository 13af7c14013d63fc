"""An in-memory FileView for driving the file detectors (MCP, agent files,
model files, CI) directly, without the scan engine."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from openaims.discovery.interface import Detector, FileView, Finding, ScanOptions

OPTIONS = ScanOptions(root=Path("/nonexistent-root"), fingerprint_salt="test-salt")


class MemoryFile(FileView):
    """A file of a scanned tree held in memory; ``tree`` holds its neighbours."""

    def __init__(
        self,
        path: str,
        content: str | bytes,
        options: ScanOptions = OPTIONS,
        tree: Mapping[str, str | bytes] | None = None,
    ) -> None:
        self.path = path
        self.name = PurePosixPath(path).name
        self._data = content.encode("utf-8") if isinstance(content, str) else content
        self.size = len(self._data)
        self.options = options
        self._tree = dict(tree or {})
        self.binary_opened = 0

    def data(self) -> bytes:
        return self._data[: self.options.max_text_bytes]

    def text(self) -> str:
        return self.data().decode("utf-8", errors="replace")

    def head(self, size: int) -> bytes:
        return self._data[:size]

    def open_binary(self) -> Any:
        self.binary_opened += 1
        return io.BytesIO(self._data)

    def read_relative(self, relpath: str) -> str | None:
        base = PurePosixPath(self.path).parent
        parts: list[str] = []
        for part in (base / relpath).parts:
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            elif part != ".":
                parts.append(part)
        found = self._tree.get("/".join(parts))
        if found is None:
            return None
        return found.decode("utf-8", "replace") if isinstance(found, bytes) else found


def run(detector: Detector, path: str, content: str | bytes) -> list[Finding]:
    """Findings of ``detector`` for one in-memory file (honouring ``wants``)."""
    if not detector.wants(path, PurePosixPath(path).name):
        return []
    return sorted(detector.scan(MemoryFile(path, content)), key=Finding.sort_key)


def run_tree(detectors: Iterable[Detector], files: Mapping[str, str | bytes]) -> list[Finding]:
    """Findings of several detectors over an in-memory tree."""
    out: list[Finding] = []
    for det in detectors:
        for path, content in files.items():
            if det.wants(path, PurePosixPath(path).name):
                out.extend(det.scan(MemoryFile(path, content, tree=files)))
    return sorted(out, key=Finding.sort_key)
