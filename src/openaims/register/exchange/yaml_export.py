"""``aims export``: the whole register as readable YAML, one file per record.

Sign-in accounts are not part of the register export (they hold password hashes);
the history is not exported either: an import records each loaded record as an
``import`` event by the importing actor, in the importing register's own chain.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.errors import NotFoundError, UsageError
from openaims.register.exchange.format import (
    EVIDENCE_DIR,
    FORMAT,
    HEADER_FILE,
    SHA256_RE,
    dump_yaml,
    record_document,
)
from openaims.register.services import registry
from openaims.register.services.evidence import EvidenceDir, EvidenceService

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: records per type and evidence files."""

    directory: Path
    records: dict[str, int] = field(default_factory=dict)
    evidence_files: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return sum(self.records.values())


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is a file; give a directory to export into")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / HEADER_FILE).is_file():
        raise UsageError(
            f"{directory} is not empty and holds no earlier export ({HEADER_FILE}); give an empty or new directory"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise UsageError(f"cannot create {directory}: {reason}; give a directory you can write to") from None


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _copy_evidence(source: Path, target: Path, sha256: str) -> None:
    if target.is_file():
        return
    digest = hashlib.sha256()
    tmp = target.with_name(f".{target.name}.tmp")
    with source.open("rb") as handle, tmp.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        tmp.unlink()
        raise UsageError(f"the stored evidence file {source} no longer matches its SHA-256; it was altered")
    os.replace(tmp, target)


def export_register(
    session: Session, directory: Path, *, evidence_dir: EvidenceDir, actor: str = "export"
) -> ExportReport:
    """Write every record to ``directory`` (files no longer in the register are removed)."""
    _prepare(directory)
    counts: dict[str, int] = {}
    wanted: set[Path] = set()
    hashes: set[str] = set()
    for record_type, cls in sorted(registry().items()):
        service = cls(session, actor)
        records = service.all()
        if not records:
            continue
        folder = directory / record_type
        folder.mkdir(exist_ok=True)
        for record in records:
            document = record_document(cls, record)
            path = folder / f"{record.id}.yaml"
            _write_if_changed(path, dump_yaml(document))
            wanted.add(path)
            sha = document.get("sha256") if record_type == "evidence" else None
            if isinstance(sha, str) and document.get("kind") == "file":
                hashes.add(sha)
        counts[record_type] = len(records)
    store = EvidenceService(session, actor, evidence_dir=evidence_dir)
    if hashes:
        (directory / EVIDENCE_DIR).mkdir(exist_ok=True)
    for sha in sorted(hashes):
        source = store.path_for(sha)
        if not source.is_file():
            raise NotFoundError(
                f"evidence file {sha} is missing from {store.evidence_dir}; the export would be incomplete"
            )
        target = directory / EVIDENCE_DIR / sha
        _copy_evidence(source, target, sha)
        wanted.add(target)
    removed = _remove_stale(directory, wanted)
    header: dict[str, Any] = {
        "format": FORMAT,
        "records": dict(sorted(counts.items())),
        "evidence_files": len(hashes),
    }
    _write_if_changed(directory / HEADER_FILE, dump_yaml(header))
    return ExportReport(directory=directory, records=counts, evidence_files=len(hashes), removed=removed)


def _remove_stale(directory: Path, wanted: set[Path]) -> int:
    """Delete record and evidence files of an earlier export that the register no longer has."""
    removed = 0
    for name in sorted({*registry(), EVIDENCE_DIR}):
        folder = directory / name
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in folder.iterdir():
            if path.is_file() and path not in wanted and (path.suffix == ".yaml" or SHA256_RE.match(path.name)):
                path.unlink()
                removed += 1
        if not any(folder.iterdir()):
            shutil.rmtree(folder)
    return removed
