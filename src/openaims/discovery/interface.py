"""The contract between the scan engine and its detectors.

A detector is small: it says which files it wants (cheaply, by path), optionally
which literal/regex fragments must occur in a file's text before it is worth
running (the engine folds every detector's fragments into one prefilter), and
turns one file into findings. Everything that can be data (package names, key
shapes, model families, config locations) lives in ``discovery/catalog``.

Detectors never execute, import or unpickle anything from the scanned tree, and
never put a secret value into a finding: only its redacted form and fingerprint.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from openaims.errors import AimsError

#: Version of the JSON scan report contract (``aims scan --format json``).
REPORT_SCHEMA = "https://openaims.dev/schemas/scan-report/v1"


class FindingKind(enum.StrEnum):
    """What a finding is. The values are part of the public JSON contract."""

    DEPENDENCY = "dependency"
    IMPORT = "import"
    MODEL = "model"
    SECRET = "secret"
    MCP_SERVER = "mcp_server"
    AGENT_INSTRUCTIONS = "agent_instructions"
    MODEL_FILE = "model_file"
    AI_WORKFLOW = "ai_workflow"


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of AI found in a scanned tree.

    ``path`` is relative to the scanned root and ``/``-separated. ``line`` is
    1-based, ``None`` where a line makes no sense (a binary model file).
    ``details`` holds detector-specific facts (MCP transport and command, the
    dangerous callables a pickle reaches, the manifest section a dependency was
    declared in...); it must only contain JSON-serialisable values.
    """

    kind: FindingKind
    name: str
    path: str
    line: int | None
    detector: str
    ecosystem: str | None = None
    version: str | None = None
    provider: str | None = None
    category: str | None = None
    format: str | None = None
    unsafe: bool | None = None
    redacted: str | None = None
    fingerprint: str | None = None
    direct: bool | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The finding as the JSON report writes it (``None`` fields omitted)."""
        out: dict[str, Any] = {"kind": self.kind.value, "name": self.name, "path": self.path}
        out["line"] = self.line
        for key in (
            "ecosystem",
            "version",
            "provider",
            "category",
            "format",
            "unsafe",
            "redacted",
            "fingerprint",
            "direct",
        ):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["detector"] = self.detector
        if self.details:
            out["details"] = self.details
        return out

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.path, self.line or 0, self.kind.value, self.name, self.detector)


class DetectorError(AimsError):
    """A detector could not process a file it should be able to process."""


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A file a fail-closed detector (a manifest parser) could not read fully: what the
    file declares may be missing from the findings. ``reason`` says why, in one line."""

    path: str
    detector: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "detector": self.detector, "reason": self.reason}


class UnparsedError(DetectorError):
    """Raised by a fail-closed detector for a file it could not read fully, with the
    findings it could still make (reported as well)."""

    def __init__(self, reason: str, findings: Iterable[Finding] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.findings = list(findings)


@dataclass(frozen=True, slots=True)
class CutShort:
    """A file whose analysis a bound cut short (its time budget, the scan's, or a size,
    count or ratio bound of a detector): what it holds may be missing from the findings,
    so it is never taken for safe. ``reason`` says which bound, in one line."""

    path: str
    detector: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "detector": self.detector, "reason": self.reason}


#: Default wall-clock budget of one file, in seconds.
DEFAULT_FILE_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Settings every detector may read."""

    root: Path
    max_text_bytes: int = 2 * 1024 * 1024
    max_binary_bytes: int = 8 * 1024 * 1024 * 1024
    include_vendored: bool = False
    fingerprint_salt: str = "openaims-fingerprint-v1"
    #: Fail-closed detectors (manifests, lock files) read files up to this size whatever
    #: ``max_text_bytes`` says: a lock file is often larger, and skipping it hides what it locks.
    max_manifest_bytes: int = 64 * 1024 * 1024
    #: Wall-clock seconds the detectors may spend on one file (``None`` or 0: no budget).
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT
    #: Wall-clock seconds the whole scan may take (``None``: no budget).
    timeout: float | None = None
    #: ``time.monotonic()`` at which the scan stops (set by the engine from ``timeout`` unless given:
    #: several scans of one command share their budget).
    deadline: float | None = None


class FileView(abc.ABC):
    """A file of the scanned tree as a detector sees it.

    Reading is bounded: ``text()`` returns at most ``options.max_text_bytes``
    bytes decoded as UTF-8 (errors replaced). ``read_relative`` lets a detector
    follow an include (``-r other.txt``) without leaving the scanned root.
    """

    path: str
    name: str
    size: int
    options: ScanOptions

    @abc.abstractmethod
    def data(self) -> bytes:
        """The file's bytes, at most ``max_text_bytes`` of them."""

    @abc.abstractmethod
    def text(self) -> str:
        """The file's text (UTF-8 with replacement), bounded like ``data``."""

    @abc.abstractmethod
    def head(self, size: int) -> bytes:
        """The first ``size`` bytes, for magic-number checks."""

    @abc.abstractmethod
    def open_binary(self) -> Any:
        """A binary file object for streaming large files (model files)."""

    @abc.abstractmethod
    def read_relative(self, relpath: str) -> str | None:
        """Text of another file, relative to this file's directory.

        Returns ``None`` when it does not exist, is too large, or resolves
        outside the scanned root.
        """

    def deadline(self) -> float | None:
        """``time.monotonic()`` by which work on this file should end (None: no budget).

        A detector doing long work (hashing, decompressing, walking opcodes) stops
        there and reports what it could not finish."""
        return None

    def cut_short(self, reason: str) -> None:
        """Tell the engine this file's analysis was cut short by a bound (it is
        listed in the scan statistics with ``reason``)."""
        return None


class Detector(abc.ABC):
    """Turns one file into findings.

    Subclasses set the class attributes and implement :meth:`wants` and
    :meth:`scan`. The engine discovers every concrete subclass defined in a
    module of ``openaims.discovery.detectors``.
    """

    #: Stable public id, e.g. ``dependency.pypi.requirements``.
    id: ClassVar[str]
    #: What this detector can report.
    kinds: ClassVar[frozenset[FindingKind]]
    #: Regex fragments; when non-empty the detector only runs on files whose
    #: text matches at least one of them (the engine combines all fragments
    #: into one compiled prefilter). Empty means "run on every wanted file".
    prefilter: ClassVar[tuple[str, ...]] = ()
    #: Whether the detector inspects binary files (model files). Binary
    #: detectors see files of any size; text detectors only bounded text.
    binary: ClassVar[bool] = False
    #: Whether a wanted file this detector cannot read fully (too large, binary,
    #: unreadable, or refused by its parser: :class:`UnparsedError`) is reported as
    #: :class:`Unparsed`, so that a policy check can fail on it instead of passing.
    fail_closed: ClassVar[bool] = False

    @abc.abstractmethod
    def wants(self, path: str, name: str) -> bool:
        """Cheap check on the relative path and file name (no I/O)."""

    @abc.abstractmethod
    def scan(self, file: FileView) -> Iterable[Finding]:
        """Findings for one file. Must not raise on malformed content; a fail-closed
        detector raises :class:`UnparsedError` (with what it could still find) for a file
        it cannot read fully."""


class PostProcessor(abc.ABC):
    """A step over all findings of a scan (for cross-file facts such as
    whether a locked dependency is also declared directly)."""

    id: ClassVar[str]

    @abc.abstractmethod
    def process(self, findings: list[Finding]) -> Iterator[Finding]:
        """Return the findings, possibly amended."""
