"""Helpers of the scan-engine tests: small trees and fake detectors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import ClassVar

from openaims.discovery.interface import Detector, FileView, Finding, FindingKind


def make_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> content) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


class WordDetector(Detector):
    """Reports every line of a text file that contains ``word`` (prefiltered on it)."""

    kinds = frozenset({FindingKind.IMPORT})

    def __init__(self, word: str = "needle", ident: str = "test.word", *, prefiltered: bool = True) -> None:
        self.word = word
        self.id = ident  # type: ignore[misc]
        self.prefilter = (word,) if prefiltered else ()  # type: ignore[misc]
        self.calls: list[str] = []

    def wants(self, path: str, name: str) -> bool:
        return True

    def scan(self, file: FileView) -> Iterable[Finding]:
        self.calls.append(file.path)
        for number, line in enumerate(file.text().splitlines(), start=1):
            if self.word in line:
                yield Finding(FindingKind.IMPORT, self.word, file.path, number, self.id, provider="other")


class SizeDetector(Detector):
    """A binary detector reporting every ``.bin`` file with its size."""

    id = "test.binary"
    kinds = frozenset({FindingKind.MODEL_FILE})
    binary = True

    def wants(self, path: str, name: str) -> bool:
        return name.endswith(".bin")

    def scan(self, file: FileView) -> Iterable[Finding]:
        with file.open_binary() as stream:
            size = len(stream.read())
        return [
            Finding(
                FindingKind.MODEL_FILE,
                file.name,
                file.path,
                None,
                self.id,
                format="raw",
                details={"size": size},
            )
        ]


class BoomDetector(Detector):
    """Raises on files whose text contains ``boom``."""

    id = "test.boom"
    kinds = frozenset({FindingKind.SECRET})
    prefilter: ClassVar[tuple[str, ...]] = ("boom",)

    def wants(self, path: str, name: str) -> bool:
        return True

    def scan(self, file: FileView) -> Iterable[Finding]:
        raise ValueError("cannot parse\nthis file")
