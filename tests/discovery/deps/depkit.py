"""Helpers for the dependency detector tests: in-memory and on-disk FileViews
and a runner that applies the detectors and the direct/transitive step as the
scan engine would."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from openaims.discovery.detectors.dependencies import DirectFromManifest, manifest_detectors
from openaims.discovery.interface import Detector, FileView, Finding, ScanOptions, UnparsedError

OPTIONS = ScanOptions(root=Path("/nonexistent-root"))


def _join(base: str, relpath: str) -> str | None:
    parts: list[str] = []
    for part in (PurePosixPath(base) / relpath).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


class MemoryFile(FileView):
    """A file of an in-memory tree; ``read_relative`` stays inside the tree."""

    def __init__(self, path: str, content: str | bytes, tree: Mapping[str, str | bytes] | None = None) -> None:
        self.path = path
        self.name = PurePosixPath(path).name
        self._data = content.encode("utf-8") if isinstance(content, str) else content
        self.size = len(self._data)
        self.options = OPTIONS
        self._tree = dict(tree or {})
        self.reads: list[str] = []

    def data(self) -> bytes:
        return self._data[: self.options.max_text_bytes]

    def text(self) -> str:
        return self.data().decode("utf-8", errors="replace")

    def head(self, size: int) -> bytes:
        return self._data[:size]

    def open_binary(self) -> Any:
        return io.BytesIO(self._data)

    def read_relative(self, relpath: str) -> str | None:
        target = _join(str(PurePosixPath(self.path).parent), relpath)
        self.reads.append(relpath)
        if target is None:
            return None
        found = self._tree.get(target)
        if found is None:
            return None
        return found.decode("utf-8", "replace") if isinstance(found, bytes) else found


def detector(detector_id: str) -> Detector:
    return next(d for d in manifest_detectors() if d.id == detector_id)


def run(detector_id: str, path: str, content: str, tree: Mapping[str, str] | None = None) -> list[Finding]:
    """Findings of one detector for one file (``wants`` honoured)."""
    det = detector(detector_id)
    if not det.wants(path, PurePosixPath(path).name):
        return []
    return sorted(det.scan(MemoryFile(path, content, tree)), key=Finding.sort_key)


def unreadable(detector_id: str, path: str, content: str) -> str:
    """The reason one detector gives for a file it cannot read fully (it must refuse it,
    with nothing found: the scan reports the file as unparsed and a check fails closed)."""
    det = detector(detector_id)
    assert det.fail_closed
    with pytest.raises(UnparsedError) as refused:
        det.scan(MemoryFile(path, content))
    assert refused.value.findings == []
    reason = refused.value.reason
    assert reason
    assert "\n" not in reason
    return reason


def scan_tree(files: Mapping[str, str]) -> list[Finding]:
    """Every dependency detector over an in-memory tree, then the post-processor."""
    out: list[Finding] = []
    for det in manifest_detectors():
        for path, content in files.items():
            if det.wants(path, PurePosixPath(path).name):
                out.extend(det.scan(MemoryFile(path, content, files)))
    unique = sorted(set(out), key=Finding.sort_key)
    return sorted(DirectFromManifest().process(unique), key=Finding.sort_key)


def load_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()
    }


def summary(findings: Iterable[Finding]) -> set[tuple[Any, ...]]:
    """(path, line, name, version, direct, scope) of each finding."""
    return {(f.path, f.line, f.name, f.version, f.direct, f.details.get("scope")) for f in findings}


def names(findings: Iterable[Finding]) -> set[str]:
    return {f.name for f in findings}
