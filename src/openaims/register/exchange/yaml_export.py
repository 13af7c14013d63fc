"""``aims export``: the whole register as readable YAML, one file per record, with its history.

Beside the record files, ``history.jsonl`` holds every history event as the register
holds it, and, when the organisation key is given, ``checkpoint.json`` signs the head of
that history: an import into an empty register then restores the same chain, and one
into another register knows whether the records' provenance can be trusted. Sign-in
accounts are not exported (they hold password hashes); their events are in the history.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.errors import AimsError, NotFoundError, UsageError
from openaims.register import checkpoints
from openaims.register.exchange.format import (
    EVIDENCE_DIR,
    FORMAT,
    HEADER_FILE,
    SHA256_RE,
    dump_yaml,
    record_document,
)
from openaims.register.exchange.history_file import CHECKPOINT_FILE, HistorySummary, write_history
from openaims.register.keys import OrganisationKey
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
    history: HistorySummary | None = None
    #: Whether ``checkpoint.json`` signs the exported history, and why not when it does not.
    signed: bool = False
    unsigned_reason: str | None = None

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


def _sign(session: Session, directory: Path, key: OrganisationKey, summary: HistorySummary, actor: str) -> None:
    """Write ``checkpoint.json`` for the exported head, unless one from the same key already signs it."""
    path = directory / CHECKPOINT_FILE
    if path.is_file():
        try:
            earlier = checkpoints.read_checkpoint(path, key.public)
        except AimsError:
            earlier = None
        if earlier is not None and (earlier.seq, earlier.hash) == (summary.head_seq, summary.head_hash):
            return
    document = checkpoints.make_checkpoint(session, key, actor=actor)
    _write_if_changed(path, checkpoints.dump(document))


def export_register(
    session: Session,
    directory: Path,
    *,
    evidence_dir: EvidenceDir,
    actor: str = "export",
    key: OrganisationKey | None = None,
) -> ExportReport:
    """Write every record and the history to ``directory`` (files no longer in the register are removed).

    With ``key``, the exported history is signed (``checkpoint.json``) when it verifies.
    """
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
    summary = write_history(session, directory)
    signed, unsigned = False, None
    if key is None:
        unsigned = "no organisation key"
    elif summary.events == 0:
        unsigned = "the history is empty"
    else:
        try:
            _sign(session, directory, key, summary, actor)
            signed = True
        except checkpoints.CheckpointRefusedError as exc:
            unsigned = exc.message
    if not signed and (directory / CHECKPOINT_FILE).is_file():
        (directory / CHECKPOINT_FILE).unlink()  # it signs an earlier head
        removed += 1
    header: dict[str, Any] = {
        "format": FORMAT,
        "records": dict(sorted(counts.items())),
        "evidence_files": len(hashes),
        "history": summary.as_header(),
    }
    _write_if_changed(directory / HEADER_FILE, dump_yaml(header))
    return ExportReport(
        directory=directory,
        records=counts,
        evidence_files=len(hashes),
        removed=removed,
        history=summary,
        signed=signed,
        unsigned_reason=unsigned,
    )


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
