"""Evidence: files stored content-addressed by SHA-256 outside the rows, or links.

A file is copied to ``<evidence dir>/<first two hex digits>/<sha256>``; the row
keeps its hash, name, size and type, and who added it and when. The same content
is stored once however often it is added. Evidence attaches to any record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal
from urllib.parse import urlparse

from pydantic import StringConstraints, model_validator
from sqlalchemy.orm import Session

from openaims.errors import NotFoundError, UsageError
from openaims.register.actors import Actor
from openaims.register.errors import FieldProblem, RecordValidationError
from openaims.register.models.base import utcnow
from openaims.register.models.evidence import Evidence
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import RecordId, Short, Text, Title, closed

#: The evidence folder, or a function that names it when it is first needed.
EvidenceDir = Path | Callable[[], Path]

#: Largest file accepted as evidence.
MAX_EVIDENCE_BYTES = 512 * 1024 * 1024
_CHUNK = 1024 * 1024


class EvidenceTooLargeError(UsageError):
    """A file larger than the store accepts (from this caller)."""

    def __init__(self, name: str, max_bytes: int) -> None:
        super().__init__(f"{name} is larger than {size_text(max_bytes)}, the largest evidence file accepted here")
        self.max_bytes = max_bytes


def size_text(size: int) -> str:
    """``25 MiB``, ``512 KiB``, ``300 bytes``."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def upload_name(filename: str) -> str:
    """The file name a browser sent, without any folder part or control characters, at most 200 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 199 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 20 else name[:200]
    return name


class EvidenceFields(RecordFields):
    """A file (by hash) or a link, the records it supports, and a description."""

    title: Title
    kind: Literal["file", "link"]
    sha256: Annotated[str | None, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = None
    filename: Short = None
    size: int | None = None
    media_type: Short = None
    url: str | None = None
    record_ids: list[RecordId] = []
    description: Text = None
    owner: Short = None

    @model_validator(mode="after")
    def _kind_fields(self) -> EvidenceFields:
        if self.kind == "file" and (not self.sha256 or self.size is None):
            raise ValueError("file evidence needs sha256 and size; add files with 'aims evidence add --file'")
        if self.kind == "link":
            parsed = urlparse(self.url or "")
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError("link evidence needs an http(s) url")
        return self


class EvidenceOut(EvidenceFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class EvidenceService(RecordService[EvidenceFields, EvidenceOut]):
    model = Evidence
    fields = EvidenceFields
    out = EvidenceOut
    initial_status = "active"
    transitions = closed(("active", ("withdrawn",)), ("withdrawn", ("active",)))
    references = {"record_ids": "*"}
    derived_fields = frozenset({"sha256", "size", "media_type"})
    search_fields = ("title", "filename", "description")

    def __init__(
        self,
        session: Session,
        actor: Actor | str,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        evidence_dir: EvidenceDir | None = None,
    ) -> None:
        super().__init__(session, actor, clock=clock)
        self._evidence_dir = evidence_dir

    @property
    def evidence_dir(self) -> Path:
        """The store's folder, resolved when a file is first read or written.

        Resolving late lets every other use of the service work on a PostgreSQL register
        without an evidence folder configured; storing a file there names the setting.
        """
        configured = self._evidence_dir
        if configured is None:
            from openaims.settings import load_settings

            configured = load_settings().evidence_folder
        if callable(configured):
            configured = configured()
        self._evidence_dir = Path(configured)
        return self._evidence_dir

    def check(self, record_id: str, before: EvidenceOut | None, fields: EvidenceFields, status: str) -> None:
        if before is not None:
            require(
                (fields.kind, fields.sha256, fields.url) == (before.kind, before.sha256, before.url),
                f"{record_id}: evidence content cannot change; add new evidence instead",
            )

    def path_for(self, sha256: str) -> Path:
        return self.evidence_dir / sha256[:2] / sha256

    def store(self, source: Path) -> tuple[str, int]:
        """Copy ``source`` into the store; returns (sha256, size). Idempotent per content."""
        if not source.is_file():
            raise UsageError(f"{source} is not a readable file")
        with source.open("rb") as handle:
            return self.store_stream(handle, name=str(source))

    def store_stream(
        self, handle: BinaryIO, *, name: str, max_bytes: int = MAX_EVIDENCE_BYTES
    ) -> tuple[str, int]:
        """Copy what ``handle`` reads into the store; returns (sha256, size). Idempotent per
        content; refused, with nothing kept, once more than ``max_bytes`` have been read."""
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.evidence_dir, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise EvidenceTooLargeError(name, max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            target = self.path_for(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(tmp_name)
            else:
                os.replace(tmp_name, target)
                os.chmod(target, 0o444)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        return sha, size

    def add_file(
        self,
        source: Path,
        *,
        title: str | None = None,
        record_ids: list[str] | None = None,
        description: str | None = None,
        owner: str | None = None,
    ) -> EvidenceOut:
        """Store a file and record it as evidence for ``record_ids``."""
        sha, size = self.store(source)
        return self._add_stored(sha, size, source.name, title, record_ids, description, owner)

    def add_upload(
        self,
        handle: BinaryIO,
        filename: str,
        *,
        max_bytes: int,
        title: str | None = None,
        record_ids: list[str] | None = None,
        description: str | None = None,
        owner: str | None = None,
    ) -> EvidenceOut:
        """Store a file sent from a browser (at most ``max_bytes``) and record it as evidence,
        in the same content-addressed store as :meth:`add_file`."""
        name = upload_name(filename)
        if not name:
            raise RecordValidationError("evidence", [FieldProblem("file", "choose a file to upload")])
        sha, size = self.store_stream(handle, name=name, max_bytes=max_bytes)
        return self._add_stored(sha, size, name, title, record_ids, description, owner)

    def _add_stored(
        self,
        sha: str,
        size: int,
        filename: str,
        title: str | None,
        record_ids: list[str] | None,
        description: str | None,
        owner: str | None,
    ) -> EvidenceOut:
        media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        data: dict[str, Any] = {
            "title": title or filename,
            "kind": "file",
            "sha256": sha,
            "filename": filename,
            "size": size,
            "media_type": media_type,
            "record_ids": record_ids or [],
            "description": description,
            "owner": owner,
        }
        return self.create(data)

    def add_link(
        self, url: str, *, title: str, record_ids: list[str] | None = None, description: str | None = None
    ) -> EvidenceOut:
        return self.create(
            {
                "title": title,
                "kind": "link",
                "url": url,
                "record_ids": record_ids or [],
                "description": description,
            }
        )

    def attach(self, evidence_id: str, expected_version: int, record_id: str) -> EvidenceOut:
        """Attach existing evidence to one more record."""
        current = self.get(evidence_id)
        if record_id in current.record_ids:
            return current
        return self.update(evidence_id, expected_version, {"record_ids": [*current.record_ids, record_id]})

    def for_record(self, record_id: str) -> list[EvidenceOut]:
        return self.all(record_ids=record_id)

    def content_path(self, evidence_id: str) -> Path:
        """The stored file of file evidence, after checking its hash still matches."""
        item = self.get(evidence_id)
        if item.kind != "file" or not item.sha256:
            raise UsageError(f"{evidence_id} is a link, not a file: {item.url}")
        path = self.path_for(item.sha256)
        if not path.is_file():
            raise NotFoundError(f"the file of {evidence_id} is missing from {self.evidence_dir}")
        with path.open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != item.sha256:
            raise UsageError(
                f"the stored file of {evidence_id} no longer matches its SHA-256; it was altered"
            )
        return path
