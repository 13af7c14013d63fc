"""Import as restore: an export whose history verifies comes back as the same register.

An export holds its records (YAML) and its history (``history.jsonl``, optionally with a
signed ``checkpoint.json``). Before anything is trusted, the export is loaded into a
scratch SQLite register and checked there by the same :func:`verify_register` that
``aims history verify`` runs: the chain, every record file against the last event of its
record, records without events, and the checkpoint when there is one. Only an export
that passes is *restored*: its events, actors and times are loaded as they are, so the
target verifies as the same chain with the same number of events. Anything else is
imported as new work by the importing actor (see :mod:`yaml_import`).

Sign-in accounts are rebuilt from their events (name, roles, person, active) without
credentials: an export never holds password or token hashes. API tokens are not
restored.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from openaims.errors import AimsError
from openaims.register import history, ids
from openaims.register.checkpoints import Checkpoint, read_checkpoint
from openaims.register.db import Database
from openaims.register.exchange.history_file import CHECKPOINT_FILE, HISTORY_FILE, HistoryFileError, read_history
from openaims.register.integrity import verify_register
from openaims.register.keys import PublicKey
from openaims.register.models import Base
from openaims.register.models.accounts import Account
from openaims.register.models.base import is_json
from openaims.register.models.internal import HistoryEvent, HistoryHead
from openaims.register.services import RecordService, registry, restore_order

_BATCH = 1000


class RestoreError(ValueError):
    """An export that cannot be loaded as it is (its records are then imported as new work)."""


class Entry(Protocol):
    """One record file of an export."""

    @property
    def rel(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def record_id(self) -> str: ...


@dataclass(frozen=True)
class Provenance:
    """Whether an export's history verifies, and so whether its provenance is kept."""

    trusted: bool
    reason: str
    events: int = 0
    head_seq: int = 0
    head_hash: str | None = None
    checkpoint: Checkpoint | None = None


@dataclass(frozen=True)
class Restored:
    """What a verbatim load wrote."""

    events: int
    head_seq: int
    head_hash: str
    records: list[str]
    accounts: list[str]


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table), rows)
        rows.clear()


def _row(cls: type[RecordService[Any, Any]], entry: Entry) -> dict[str, Any]:
    """Column values of a record file exactly as written (no rule re-applied)."""
    columns = cls.model.__table__.columns
    unknown = sorted(set(entry.data) - set(columns.keys()) - {"record_type"})
    if unknown:
        raise RestoreError(f"{entry.rel}: {', '.join(unknown)}: not a field of this record")
    try:
        out = cls.out.model_validate({**entry.data, "record_type": cls.record_type()})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RestoreError(f"{entry.rel}: {where}: {first['msg']}") from None
    plain = out.model_dump()
    as_json = out.model_dump(mode="json")
    return {
        name: as_json[name] if is_json(column.type) else plain[name]
        for name, column in columns.items()
        if name in plain
    }


def _account(snapshot: Mapping[str, Any], created: str) -> dict[str, Any]:
    roles = snapshot.get("roles")
    username = snapshot.get("username")
    if not isinstance(username, str) or not isinstance(roles, list):
        raise RestoreError(f"the history holds an account event that names no account ({username!r})")
    return {
        "username": username,
        "display_name": str(snapshot.get("display_name") or username),
        "password_hash": None,
        "roles": roles,
        "person_id": snapshot.get("person_id"),
        "active": bool(snapshot.get("active", True)),
        "oidc_issuer": snapshot.get("oidc_issuer"),
        "oidc_subject": snapshot.get("oidc_subject"),
        "failed_logins": 0,
        "created_at": history.parse_at(created),
    }


def load_verbatim(
    session: Session,
    directory: Path,
    entries: Mapping[str, Sequence[Entry]],
    *,
    on_record: Callable[[str, Entry], None] | None = None,
) -> Restored:
    """Load the export's events, head, records and accounts exactly as exported.

    RestoreError or HistoryFileError when something cannot be loaded as it is. The
    caller checks the result (:func:`verify_register`) before trusting it.
    """
    events_table = HistoryEvent.__table__
    pending: list[dict[str, Any]] = []
    accounts: dict[str, tuple[Mapping[str, Any], str]] = {}
    created: dict[str, str] = {}
    count = 0
    head_seq, head_hash = 0, history.GENESIS
    try:
        for event in read_history(directory):
            pending.append({
                "seq": event.seq, "record_id": event.record_id, "record_type": event.record_type,
                "action": event.action, "actor": event.actor, "at": event.at,
                "before": history.canonical_json(event.before), "after": history.canonical_json(event.after),
                "prev_hash": event.prev_hash, "hash": event.hash,
            })  # fmt: skip
            count += 1
            head_seq, head_hash = event.seq, event.hash
            if event.record_type == "account" and event.record_id.startswith("ACCOUNT:"):
                username = event.record_id.removeprefix("ACCOUNT:")
                created.setdefault(username, event.at)
                after = event.after
                if isinstance(after, dict) and "roles" in after and after.get("username") == username:
                    accounts[username] = (after, created[username])
            if len(pending) >= _BATCH:
                _insert(session, events_table, pending)
        _insert(session, events_table, pending)
        session.execute(update(HistoryHead).where(HistoryHead.id == 1).values(seq=head_seq, hash=head_hash))
        if session.execute(select(HistoryHead.id).where(HistoryHead.id == 1)).first() is None:
            session.execute(insert(HistoryHead).values(id=1, seq=head_seq, hash=head_hash))
        restored: list[str] = []
        types = registry()
        for record_type in restore_order():
            cls = types[record_type]
            table: Table = cls.model.__table__  # type: ignore[assignment]
            rows: list[dict[str, Any]] = []
            for entry in entries.get(record_type, ()):
                if on_record is not None:
                    on_record(record_type, entry)
                rows.append(_row(cls, entry))
                ids.reserve(session, entry.record_id)
                restored.append(entry.record_id)
                if len(rows) >= _BATCH:
                    _insert(session, table, rows)
            _insert(session, table, rows)
        account_rows = [_account(snapshot, at) for snapshot, at in accounts.values()]
        _insert(session, Account.__table__, account_rows)
        session.flush()
    except (SQLAlchemyError, TypeError, ValueError) as exc:
        if isinstance(exc, RestoreError | HistoryFileError):
            raise
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        first = lines[0] if lines else type(exc).__name__
        raise RestoreError(f"the export cannot be loaded as it is: {first}") from None
    return Restored(count, head_seq, head_hash, restored, sorted(accounts))


def assess(
    directory: Path, entries: Mapping[str, Sequence[Entry]], *, trusted_key: PublicKey | None
) -> Provenance:
    """Check an export's history in a scratch register; trusted only if every check passes."""
    if not (directory / HISTORY_FILE).is_file():
        return Provenance(False, "the export holds no history")
    checkpoint: Checkpoint | None = None
    if (directory / CHECKPOINT_FILE).is_file():
        if trusted_key is None:
            return Provenance(
                False,
                "its signed checkpoint cannot be checked without the organisation's public key "
                "(AIMS_KEY_FILE, or --public-key FILE)",
            )
        try:
            checkpoint = read_checkpoint(directory / CHECKPOINT_FILE, trusted_key, source=CHECKPOINT_FILE)
        except AimsError as exc:
            return Provenance(False, f"its checkpoint does not verify: {exc.message}")
    with tempfile.TemporaryDirectory(prefix="aims-import-") as scratch:
        database = Database(f"sqlite:///{Path(scratch) / 'export.db'}")
        try:
            Base.metadata.create_all(database.engine)
            with database.session() as session:
                try:
                    loaded = load_verbatim(session, directory, entries)
                except (RestoreError, HistoryFileError) as exc:
                    return Provenance(False, f"its history cannot be read: {exc}")
                report = verify_register(session, checkpoints=[checkpoint] if checkpoint else [], check_storage=False)
                session.rollback()
        finally:
            database.dispose()
    if not report.ok:
        return Provenance(False, f"its history does not verify: {report.findings[0].describe()}")
    if checkpoint is not None and checkpoint.seq != loaded.head_seq:
        return Provenance(
            False,
            f"its checkpoint covers events up to #{checkpoint.seq}, not the {loaded.head_seq} events it holds",
        )
    how = f"its history verifies against its checkpoint signed by {checkpoint.by}" if checkpoint else (
        "its history verifies"
    )
    return Provenance(True, how, loaded.events, loaded.head_seq, loaded.head_hash, checkpoint)


def register_is_empty(session: Session) -> tuple[bool, int]:
    """Whether the register holds nothing (no event, record or account) but the untouched Annex A
    rows every register starts with, and its event count."""
    from sqlalchemy import func

    from openaims.register.annex_a import only_seed

    events = int(session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one())
    if events:
        return only_seed(session), events
    if session.execute(select(Account.username).limit(1)).first() is not None:
        return False, 0
    for cls in registry().values():
        if session.execute(select(cls.model.id).limit(1)).first() is not None:
            return False, 0
    return True, 0

