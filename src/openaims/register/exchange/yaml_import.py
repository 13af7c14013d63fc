"""``aims import``: load an exported register (``openaims-register/v1``).

**Restore.** Into an empty register, an export whose history verifies (checked in a
scratch register by the same checks as ``aims history verify``, against its signed
checkpoint when it has one) is loaded as it is: every event with its actor and time,
every record as its last event left it, sign-in accounts rebuilt from their events.
The result verifies as the same chain, with the same number of events.

**Import as new work.** Otherwise (no history, a history that does not verify, or
``merge`` into a register with a history of its own) the records go through the
services: records that do not exist are restored with their id, status and version,
as ``import`` events by the importing actor; their ``created/updated by/at`` are kept
only when the export's history verifies, else the importer and the import time are
recorded. Statuses only managers may set need the importer to hold that role. Records
that exist and differ are updated through the service with the file's ``version`` as
the expected version, so status rules and optimistic concurrency apply; identical ones
are left alone. The import itself is recorded as one more event (``REGISTER:import``)
naming the export's history and whether its provenance was kept.

A register with a history of its own is refused unless ``merge``. Everything happens
in the caller's transaction: the first problem aborts the whole import, and the error
names the file (and the field, when one is at fault). ``dry_run`` does the same work
and rolls it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from openaims.errors import AimsError, UsageError
from openaims.register import history
from openaims.register.actors import Actor, as_actor
from openaims.register.annex_a import clear_seed
from openaims.register.exchange.format import (
    EVIDENCE_DIR,
    FILE_ID_RE,
    FORMAT,
    HEADER_FILE,
    LEADING,
    READABLE_FORMATS,
    SHA256_RE,
    TRAILING,
    sort_key,
)
from openaims.register.exchange.history_file import CHECKPOINT_FILE, HISTORY_FILE
from openaims.register.exchange.restore import Provenance, assess, load_verbatim, register_is_empty
from openaims.register.keys import PublicKey
from openaims.register.models.base import utcnow
from openaims.register.services import RecordService, registry, restore_order
from openaims.register.services.base import MAX_VERSION
from openaims.register.services.evidence import EvidenceDir, EvidenceService
from openaims.untrusted import InputError, Limits, read_bytes, read_yaml

#: ``record_id`` of the event that records an import (not a record: no page, no row).
IMPORT_EVENT_ID = "REGISTER:import"
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


class ImportRefusedError(AimsError):
    """An import the register's own history forbids (exit 1)."""


@dataclass
class ImportReport:
    """Ids that an import created, updated or found unchanged (``dry_run``: would have).

    ``mode`` is ``restore`` (loaded as exported, history included), ``import`` (new work
    in an empty register) or ``merge`` (into a register with a history of its own).
    """

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    evidence_files: int = 0
    mode: str = "import"
    provenance: Provenance = field(default_factory=lambda: Provenance(False, "not assessed"))
    #: Events loaded with a restore; accounts rebuilt from the history (without credentials).
    events: int = 0
    accounts: list[str] = field(default_factory=list)
    #: The event that records a (non-restore) import, when anything changed.
    event_seq: int | None = None

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


class _UnreadableFileError(ImportProblem):
    """A file the bounded reader refuses (size, nesting, alias expansion, duplicate keys, syntax)."""


def _fail(entry_rel: str, exc: AimsError) -> ImportProblem:
    return ImportProblem(f"{entry_rel}: {exc.message}", exc.exit_code)


def _load_yaml(path: Path, rel: str) -> Any:
    if path.is_symlink():
        raise ImportProblem(f"{rel}: is a symbolic link; an export holds plain files only")
    try:
        return read_yaml(read_bytes(path, RECORD_LIMITS, rel, follow_symlinks=False), rel, limits=RECORD_LIMITS)
    except InputError as exc:
        raise _UnreadableFileError(exc.message) from None


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
    found: dict[str, list[_Entry]] = {}
    for folder in sorted(directory.iterdir()):
        if folder.name in (HEADER_FILE, HISTORY_FILE, CHECKPOINT_FILE) or folder.name.startswith("."):
            continue
        if not folder.is_dir() or folder.is_symlink():
            raise ImportProblem(f"{folder.name}: unexpected file; an export holds one folder per record type")
        try:
            entries = _read_folder(folder)
        except _UnreadableFileError:
            raise
        except ImportProblem:
            _known_type(folder.name)  # a folder that is no record type is named as such, not by its files
            raise
        found[folder.name] = entries
    # The record types are known once every service is loaded: after the files are read, so that
    # a hostile file is refused without that cost.
    for name in found:
        _known_type(name)
    return found


def _known_type(name: str) -> None:
    types = registry()
    if name not in types:
        raise ImportProblem(f"{name}/: {name!r} is not a record type; use one of {', '.join(sorted(types))}")


def _read_folder(folder: Path) -> list[_Entry]:
    """The record files of one record type's folder, in id order."""
    entries: list[_Entry] = []
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
    return entries


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


def _same_record(entry: _Entry, current: Any) -> None:
    """Refuse to update a record that only shares its id with the file's (another register's record)."""
    created_at, created_by = entry.data.get("created_at"), entry.data.get("created_by")
    when: dt.datetime | None = None
    if isinstance(created_at, dt.datetime):
        when = created_at
    elif isinstance(created_at, str):
        try:
            when = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        except ValueError:
            when = None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    other_time = when is not None and when != current.created_at
    other_author = isinstance(created_by, str) and created_by != current.created_by
    if other_time or other_author:
        raise ImportProblem(
            f"{entry.rel}: {entry.record_id} in this register is another record (created by {current.created_by} "
            f"at {current.created_at:%Y-%m-%d %H:%M}) than the file's; it is left as it is and nothing is imported",
            exit_code=1,
        )


def import_register(
    session: Session,
    directory: Path,
    actor: Actor | str,
    *,
    evidence_dir: EvidenceDir,
    dry_run: bool = False,
    merge: bool = False,
    trusted_key: PublicKey | None = None,
    clock: Callable[[], Any] = utcnow,
    found: dict[str, list[_Entry]] | None = None,
) -> ImportReport:
    """Load ``directory`` into the register in the caller's transaction (rolled back for ``dry_run``).

    ``trusted_key`` checks the export's signed checkpoint, when it has one. ``found`` is what
    :func:`read_export` read from ``directory``, for a caller that read it before opening the register.
    """
    if found is None:
        found = read_export(directory)
    report = ImportReport(dry_run=dry_run)
    empty, own_events = register_is_empty(session)
    if not empty and not merge:
        held = f"its own history ({own_events} events)" if own_events else "records of its own"
        raise ImportRefusedError(
            f"this register already holds {held}; import into an empty register to restore the export with "
            "its history, or give --merge to add its records as changes made by you (recorded as an import event)"
        )
    acting = as_actor(actor)
    provenance = report.provenance = assess(directory, found, trusted_key=trusted_key)
    store = EvidenceService(session, acting, clock=clock, evidence_dir=evidence_dir)
    if empty and provenance.trusted:
        report.mode = "restore"
        if own_events:  # the untouched Annex A rows the register started with: the export replaces them
            clear_seed(session)

        def evidence(record_type: str, entry: Any) -> None:
            if record_type == "evidence":
                report.evidence_files += _evidence_content(store, directory, entry, dry_run=dry_run)

        restored = load_verbatim(session, directory, found, on_record=evidence)
        report.created, report.accounts, report.events = restored.records, restored.accounts, restored.events
        if dry_run:
            session.rollback()
        return report
    report.mode = "import" if empty else "merge"
    types = registry()
    created: list[tuple[type[RecordService[Any, Any]], _Entry]] = []
    updates: list[tuple[type[RecordService[Any, Any]], _Entry]] = []
    for record_type in restore_order():
        cls = types[record_type]
        for entry in found.get(record_type, []):
            service = _service(cls, session, acting, clock, evidence_dir)
            if service.exists(entry.record_id):
                updates.append((cls, entry))
                continue
            if record_type == "evidence":
                report.evidence_files += _evidence_content(store, directory, entry, dry_run=dry_run)
            try:
                service.restore(entry.data, check_references=False, provenance=provenance.trusted)
            except AimsError as exc:
                raise _fail(entry.rel, exc) from None
            created.append((cls, entry))
            report.created.append(entry.record_id)
    for cls, entry in created:
        service = _service(cls, session, acting, clock, evidence_dir)
        try:
            service.check_references_of(entry.record_id)
            record = service.get(entry.record_id)
            # A record may only be in a status whose required fields it has.
            service._check_required(entry.record_id, record.status, record.model_dump())
        except AimsError as exc:
            raise _fail(entry.rel, exc) from None
    for cls, entry in updates:
        service = _service(cls, session, acting, clock, evidence_dir)
        current = service.get(entry.record_id)
        if provenance.trusted:  # only then do the file's created_at/by say which record it is
            _same_record(entry, current)
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
    if report.created or report.updated:
        event = history.append(
            session,
            record_id=IMPORT_EVENT_ID,
            record_type="register",
            action="import",
            actor=acting.name,
            before=None,
            after={
                "export": directory.name,
                "format": FORMAT,
                "mode": report.mode,
                "provenance_kept": provenance.trusted,
                "reason": provenance.reason,
                "export_events": provenance.events,
                "export_head": provenance.head_hash,
                "created": len(report.created),
                "updated": len(report.updated),
                "unchanged": len(report.unchanged),
            },
            at=clock(),
        )
        report.event_seq = event.seq
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
