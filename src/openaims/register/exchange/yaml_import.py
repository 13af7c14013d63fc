"""``aims import``: load an exported register (``openaims-register/v1``) through the services.

Records that do not exist are restored with their id, status, version and
provenance (created/updated by and at); each becomes an ``import`` event by the
importing actor. Records that exist and differ are updated through the service,
with the file's ``version`` as the expected version, so status rules and
optimistic concurrency apply; identical ones are left alone. Everything happens in
the caller's transaction: the first problem aborts the whole import, and the
error names the file (and the field, when one is at fault). ``dry_run`` does the
same work and rolls it back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from openaims.errors import AimsError, UsageError
from openaims.register.actors import Actor
from openaims.register.exchange.format import (
    EVIDENCE_DIR,
    FILE_ID_RE,
    HEADER_FILE,
    LEADING,
    READABLE_FORMATS,
    SHA256_RE,
    TRAILING,
    sort_key,
)
from openaims.register.models.base import utcnow
from openaims.register.services import RecordService, registry, restore_order
from openaims.register.services.base import MAX_VERSION
from openaims.register.services.evidence import EvidenceDir, EvidenceService
from openaims.untrusted import InputError, Limits, read_bytes, read_yaml

#: Largest record file read.
MAX_RECORD_BYTES = 4 * 1024 * 1024
#: Bounds on one record file: far above any record the register writes (a few levels of
#: nesting in structured fields, hundreds of values), far below what could exhaust memory.
RECORD_LIMITS = Limits(max_bytes=MAX_RECORD_BYTES, max_depth=32, max_elements=200_000)
_CHUNK = 1024 * 1024


class ImportProblem(AimsError):
    """An import refused because of one file; keeps the exit code of the underlying error."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class ImportReport:
    """Ids that an import created, updated or found unchanged (``dry_run``: would have)."""

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    evidence_files: int = 0

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        return (
            f"{verb} {len(self.created)}, {'would update' if self.dry_run else 'updated'} {len(self.updated)}, "
            f"unchanged {len(self.unchanged)} record(s)"
        )


@dataclass(frozen=True)
class _Entry:
    path: Path
    rel: str
    data: dict[str, Any]

    @property
    def record_id(self) -> str:
        return str(self.data["id"])


def _fail(entry_rel: str, exc: AimsError) -> ImportProblem:
    return ImportProblem(f"{entry_rel}: {exc.message}", exc.exit_code)


def _load_yaml(path: Path, rel: str) -> Any:
    if path.is_symlink():
        raise ImportProblem(f"{rel}: is a symbolic link; an export holds plain files only")
    try:
        return read_yaml(read_bytes(path, RECORD_LIMITS, rel, follow_symlinks=False), rel, limits=RECORD_LIMITS)
    except InputError as exc:
        raise ImportProblem(exc.message) from None


def read_export(directory: Path) -> dict[str, list[_Entry]]:
    """Every record file of an export by record type, after checking the format header."""
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory; give the directory 'aims export' wrote")
    header_path = directory / HEADER_FILE
    if not header_path.is_file():
        raise UsageError(f"{directory} has no {HEADER_FILE}; it is not an OpenAIMS register export")
    header = _load_yaml(header_path, HEADER_FILE)
    fmt = header.get("format") if isinstance(header, dict) else None
    if fmt not in READABLE_FORMATS:
        raise ImportProblem(
            f"{HEADER_FILE}: format {fmt!r} is not one this version reads ({', '.join(READABLE_FORMATS)})"
        )
    types = registry()
    found: dict[str, list[_Entry]] = {}
    for folder in sorted(directory.iterdir()):
        if folder.name == HEADER_FILE or folder.name.startswith("."):
            continue
        if not folder.is_dir() or folder.is_symlink():
            raise ImportProblem(f"{folder.name}: unexpected file; an export holds one folder per record type")
        if folder.name not in types:
            known = ", ".join(sorted(types))
            raise ImportProblem(f"{folder.name}/: {folder.name!r} is not a record type; use one of {known}")
        entries = found.setdefault(folder.name, [])
        for path in sorted(folder.iterdir()):
            rel = f"{folder.name}/{path.name}"
            if path.name.startswith(".") or (folder.name == EVIDENCE_DIR and SHA256_RE.match(path.name)):
                continue
            if path.suffix != ".yaml" or not path.is_file():
                raise ImportProblem(f"{rel}: unexpected file; record files are <ID>.yaml")
            data = _load_yaml(path, rel)
            if not isinstance(data, dict):
                raise ImportProblem(f"{rel}: must be a mapping of field names to values")
            record_id = data.get("id")
            if not isinstance(record_id, str) or not FILE_ID_RE.match(record_id):
                raise ImportProblem(f"{rel}: id: missing or not a record id")
            if path.stem != record_id:
                raise ImportProblem(f"{rel}: id: {record_id!r} does not match the file name")
            entries.append(_Entry(path=path, rel=rel, data=data))
        entries.sort(key=lambda e: sort_key(e.record_id))
    return found


def _normalised(cls: type[RecordService[Any, Any]], data: dict[str, Any]) -> dict[str, Any]:
    """Fields (and status) as the service would store them, for comparing a file with a record."""
    names = set(cls.field_names())
    own = {k: v for k, v in data.items() if k in names or k not in (*LEADING, *TRAILING, "record_type")}
    try:
        fields = cls.fields.model_validate(own)
    except ValidationError:
        return {"__invalid__": True}
    return {"status": data.get("status"), **fields.model_dump(mode="json")}


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def import_register(
    session: Session,
    directory: Path,
    actor: Actor | str,
    *,
    evidence_dir: EvidenceDir,
    dry_run: bool = False,
    clock: Callable[[], Any] = utcnow,
) -> ImportReport:
    """Load ``directory`` into the register in the caller's transaction (rolled back for ``dry_run``)."""
    found = read_export(directory)
    report = ImportReport(dry_run=dry_run)
    types = registry()
    created: list[tuple[type[RecordService[Any, Any]], _Entry]] = []
    updates: list[tuple[type[RecordService[Any, Any]], _Entry]] = []
    store = EvidenceService(session, actor, clock=clock, evidence_dir=evidence_dir)
    for record_type in restore_order():
        cls = types[record_type]
        for entry in found.get(record_type, []):
            service = _service(cls, session, actor, clock, evidence_dir)
            if service.exists(entry.record_id):
                updates.append((cls, entry))
                continue
            if record_type == "evidence":
                report.evidence_files += _evidence_content(store, directory, entry, dry_run=dry_run)
            try:
                service.restore(entry.data, check_references=False)
            except AimsError as exc:
                raise _fail(entry.rel, exc) from None
            created.append((cls, entry))
            report.created.append(entry.record_id)
    for cls, entry in created:
        service = _service(cls, session, actor, clock, evidence_dir)
        try:
            service.check_references_of(entry.record_id)
            record = service.get(entry.record_id)
            # A record may only be in a status whose required fields it has.
            service._check_required(entry.record_id, record.status, record.model_dump())
        except AimsError as exc:
            raise _fail(entry.rel, exc) from None
    for cls, entry in updates:
        service = _service(cls, session, actor, clock, evidence_dir)
        current = service.get(entry.record_id)
        wanted = _normalised(cls, entry.data)
        if wanted == _normalised(cls, current.model_dump(mode="json")):
            report.unchanged.append(entry.record_id)
            continue
        changes = {k: v for k, v in entry.data.items() if k not in (*LEADING, *TRAILING) or k == "links"}
        if "status" in entry.data:
            changes["status"] = entry.data["status"]
        version = entry.data.get("version", current.version)
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
            raise ImportProblem(f"{entry.rel}: version: must be a whole number from 1 to {MAX_VERSION}")
        try:
            service.update(entry.record_id, version, changes)
        except AimsError as exc:
            raise _fail(entry.rel, exc) from None
        report.updated.append(entry.record_id)
    if dry_run:
        session.rollback()
    return report


def _service(
    cls: type[RecordService[Any, Any]],
    session: Session,
    actor: Actor | str,
    clock: Callable[[], Any],
    evidence_dir: EvidenceDir,
) -> RecordService[Any, Any]:
    if issubclass(cls, EvidenceService):
        return cls(session, actor, clock=clock, evidence_dir=evidence_dir)
    return cls(session, actor, clock=clock)


def _evidence_content(store: EvidenceService, directory: Path, entry: _Entry, *, dry_run: bool) -> int:
    """Check (and unless ``dry_run`` store) the file behind file evidence; 1 if there is one."""
    if entry.data.get("kind") != "file":
        return 0
    sha = entry.data.get("sha256")
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        raise ImportProblem(f"{entry.rel}: sha256: file evidence needs the SHA-256 of its content")
    source = directory / EVIDENCE_DIR / sha
    if not source.is_file() or source.is_symlink():
        raise ImportProblem(f"{entry.rel}: sha256: {EVIDENCE_DIR}/{sha} is missing from the export")
    if store.path_for(sha).is_file():
        return 1
    if dry_run:
        if _file_sha256(source) != sha:
            raise ImportProblem(f"{entry.rel}: sha256: {EVIDENCE_DIR}/{sha} does not match its hash")
        return 1
    stored, _size = store.store(source)
    if stored != sha:
        raise ImportProblem(f"{entry.rel}: sha256: {EVIDENCE_DIR}/{sha} does not match its hash")
    return 1
