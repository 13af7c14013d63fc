"""Damage detection: does the register still hold what its history says it holds?

:func:`verify_register` runs every check ``aims history verify`` reports, in one read
transaction, and never raises on a damaged or tampered database; whatever it finds
becomes a :class:`Finding`:

- **storage**: SQLite's ``PRAGMA integrity_check`` and ``foreign_key_check``; on
  PostgreSQL, data-checksum failures, ``amcheck`` index (and heap) checks when the
  extension is installed, constraints added without validation, and orphaned references;
- **schema**: every table the register needs is there;
- **history**: the hash chain (altered, deleted, reordered or unreadable events);
- **records**: each record's row equals the state its last event recorded; records
  without any event, and records the history has but the register lost, are named;
- **accounts**: each sign-in account's roles, status and person, and each API token's
  scopes, owner and revocation, equal what their events recorded;
- **checkpoints**: signed chain heads (see :mod:`openaims.register.checkpoints`) still match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from openaims.register import checkpoints as signed
from openaims.register import history
from openaims.register.models import Base
from openaims.register.models.accounts import Account, ApiToken
from openaims.register.models.internal import HistoryEvent
from openaims.register.services.base import RecordOut, RecordService, registry

AREAS = ("storage", "schema", "history", "records", "accounts", "checkpoints")
_SHOWN_VALUE = 80
NONE_GIVEN = "none given"
#: Keys of an event's record snapshot that are not columns of the record.
_NOT_STORED = frozenset({"record_type"})


@dataclass(frozen=True)
class Finding:
    """One thing found wrong: in which area, about what (a record, an account, an event)."""

    area: str
    subject: str
    message: str

    def describe(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass(frozen=True)
class AreaResult:
    """What one area checked, in a phrase (``263 records match their last event``)."""

    area: str
    summary: str
    findings: int = 0
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings and not self.skipped


@dataclass(frozen=True)
class IntegrityReport:
    chain: history.ChainReport | None
    areas: tuple[AreaResult, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    def area(self, name: str) -> AreaResult:
        return next(a for a in self.areas if a.area == name)


#: ``_Snapshot.digest`` of a record whose last event cannot be read (the chain check names it).
_UNKNOWN = b""


@dataclass(frozen=True)
class _Snapshot:
    seq: int
    digest: bytes | None  # None: the last event removed the record; _UNKNOWN: unreadable
    action: str
    actor: str
    at: str

    def describe(self) -> str:
        return f"#{self.seq} ({self.action} by {self.actor} at {self.at})"


@dataclass
class _Token:
    seq: int
    username: str
    data: dict[str, Any]
    revoked_seq: int | None = None


@dataclass
class _Collector:
    """Gathers, in the one pass over the chain, what the later checks compare against."""

    record_types: frozenset[str]
    wanted_hashes: frozenset[int]
    #: Record type -> fields its service changes without an event (left out of comparisons).
    unrecorded: dict[str, frozenset[str]] = field(default_factory=dict)
    records: dict[str, _Snapshot] = field(default_factory=dict)
    accounts: dict[str, tuple[_Snapshot, dict[str, Any] | None]] = field(default_factory=dict)
    tokens: dict[str, _Token] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)
    last_seq: int = 0

    def visit(self, event: history.StoredEvent, intact: bool) -> None:
        self.last_seq = event.seq
        if event.seq in self.wanted_hashes:
            self.hashes[event.seq] = event.hash
        after = event.after
        snapshot = _Snapshot(event.seq, None, event.action, event.actor, event.at)
        if event.record_type in self.record_types:
            if after is history.UNREADABLE or not intact:
                # The history check reports this event; the record cannot be compared with it.
                self.records[event.record_id] = _Snapshot(event.seq, _UNKNOWN, event.action, event.actor, event.at)
            elif isinstance(after, dict) and after.get("id") == event.record_id and "version" in after:
                digest = _digest(after, self.unrecorded.get(event.record_type, frozenset()))
                self.records[event.record_id] = _Snapshot(event.seq, digest, event.action, event.actor, event.at)
            elif after is None and event.before is not None:
                self.records[event.record_id] = snapshot
            return
        if event.record_type != "account" or not event.record_id.startswith("ACCOUNT:"):
            return
        username = event.record_id.removeprefix("ACCOUNT:")
        if after is history.UNREADABLE or not intact:
            self.accounts[username] = (snapshot, None)
        elif isinstance(after, dict) and "roles" in after and after.get("username") == username:
            self.accounts[username] = (snapshot, after)
        if event.action == "deactivate":
            self.deactivated[username] = event.seq
        token_id = after.get("token") if isinstance(after, dict) else None
        if not isinstance(token_id, str):
            return
        if event.action == "token-issued":
            self.tokens[token_id] = _Token(event.seq, username, dict(after))
        elif event.action == "token-revoked" and token_id in self.tokens:
            self.tokens[token_id].revoked_seq = event.seq


# ------------------------------------------------------------------ helpers
def _digest(snapshot: dict[str, Any], unrecorded: frozenset[str]) -> bytes:
    skipped = unrecorded | {history.NOTE}
    kept = {k: v for k, v in snapshot.items() if k not in skipped}
    return hashlib.sha256(history.canonical_json(kept).encode("utf-8")).digest()


def _shown(value: Any) -> str:
    text_value = repr(value)
    return text_value if len(text_value) <= _SHOWN_VALUE else text_value[: _SHOWN_VALUE - 3] + "..."


def _as_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if a == b:
        return True
    first, second = _as_datetime(a), _as_datetime(b)
    return first is not None and first == second


def _differences(
    current: dict[str, Any], recorded: dict[str, Any], unrecorded: frozenset[str] = frozenset()
) -> list[tuple[str, Any, Any]]:
    """Fields present in both whose values differ (fields added or dropped by a schema change are not)."""
    keys = sorted((current.keys() & recorded.keys()) - _NOT_STORED - unrecorded)
    return [(k, current[k], recorded[k]) for k in keys if not _same(current[k], recorded[k])]


def _changed(subject_last: _Snapshot, diffs: list[tuple[str, Any, Any]]) -> str:
    parts = [f"{name} is {_shown(now)}, recorded {_shown(then)}" for name, now, then in diffs]
    return (
        f"changed outside OpenAIMS: {'; '.join(parts)} (its last event is {subject_last.describe()})"
    )


@contextmanager
def _guard(session: Session, findings: list[Finding], area: str, subject: str) -> Iterator[None]:
    """A read that fails on a damaged database becomes a finding; the transaction is reset."""
    try:
        yield
    except (SQLAlchemyError, ValueError, TypeError, OverflowError) as exc:
        session.rollback()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        findings.append(Finding(area, subject, f"cannot be read: {reason[0] if reason else type(exc).__name__}"))


def _tables(session: Session) -> set[str]:
    return set(inspect(session.connection()).get_table_names())


# ------------------------------------------------------------------ storage
def _check_sqlite(session: Session, findings: list[Finding]) -> str:
    rows = [str(r) for r in session.execute(text("PRAGMA integrity_check(100)")).scalars()]
    if rows != ["ok"]:
        findings.extend(Finding("storage", "database file", f"PRAGMA integrity_check: {r}") for r in rows)
    for table, rowid, parent, _fk in session.execute(text("PRAGMA foreign_key_check")).all():
        findings.append(
            Finding("storage", f"table {table}", f"row {rowid} refers to a {parent} row that does not exist")
        )
    return "SQLite PRAGMA integrity_check and foreign_key_check"


def _check_postgres(session: Session, findings: list[Finding], tables: set[str]) -> str:
    notes: list[str] = []
    checksums = session.execute(text("SHOW data_checksums")).scalar()
    failures = session.execute(
        text("SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()")
    ).scalar()
    notes.append(f"data checksums {checksums}")
    if failures:
        findings.append(
            Finding("storage", "database", f"the server counted {failures} data-page checksum failure(s)")
        )
    amcheck = session.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'amcheck'")).scalar()
    if amcheck is None:
        notes.append("amcheck not installed (CREATE EXTENSION amcheck to check indexes and pages)")
    else:
        notes.append(_amcheck(session, findings))
    unvalidated = session.execute(
        text(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE NOT convalidated AND connamespace = current_schema()::regnamespace"
        )
    ).all()
    for table, name in unvalidated:
        findings.append(Finding("storage", f"table {table}", f"constraint {name} was added without checking rows"))
    orphans = _orphans(session, findings, tables)
    notes.append(f"{orphans} references checked")
    return "PostgreSQL: " + "; ".join(notes)


def _amcheck(session: Session, findings: list[Finding]) -> str:
    indexes = session.execute(
        text(
            "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' "
            "AND c.relnamespace = current_schema()::regnamespace AND c.relpersistence <> 't'"
        )
    ).all()
    for oid, name in indexes:
        try:
            with session.begin_nested():
                session.execute(text("SELECT bt_index_check(CAST(:oid AS regclass), true)"), {"oid": oid})
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            findings.append(Finding("storage", f"index {name}", f"amcheck: {first}"))
    heap = session.execute(text("SELECT to_regproc('verify_heapam') IS NOT NULL")).scalar()
    pages = 0
    if heap:
        relations = session.execute(
            text(
                "SELECT c.oid, c.relname FROM pg_class c WHERE c.relkind = 'r' "
                "AND c.relnamespace = current_schema()::regnamespace"
            )
        ).all()
        for oid, name in relations:
            rows = session.execute(
                text("SELECT blkno, msg FROM verify_heapam(CAST(:oid AS regclass)) LIMIT 20"), {"oid": oid}
            ).all()
            pages += 1
            findings.extend(Finding("storage", f"table {name}", f"amcheck: page {b}: {m}") for b, m in rows)
    return f"amcheck on {len(indexes)} indexes" + (f" and {pages} tables" if heap else "")


def _orphans(session: Session, findings: list[Finding], tables: set[str]) -> int:
    checked = 0
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent.name not in tables:
                continue
            column = fk.parent
            count = session.execute(
                select(text("count(*)"))
                .select_from(table)
                .where(column.is_not(None), ~select(fk.column).where(fk.column == column).exists())
            ).scalar()
            checked += 1
            if count:
                findings.append(
                    Finding(
                        "storage",
                        f"table {table.name}",
                        f"{count} row(s) refer in {column.name} to {parent.name} rows that do not exist",
                    )
                )
    return checked


# ------------------------------------------------------------------ records
def _snapshot_of(session: Session, seq: int) -> Any:
    raw = session.execute(select(HistoryEvent.after).where(HistoryEvent.seq == seq)).scalar_one_or_none()
    try:
        return history.decode_payload(raw)
    except history.UnreadablePayloadError:
        return None


def _out(cls: type[RecordService[Any, Any]], row: Any) -> RecordOut:
    data = {c.key: getattr(row, c.key) for c in cls.model.__table__.columns}
    data["record_type"] = cls.record_type()
    return cls.out.model_validate(data)


def _rows(session: Session, cls: type[RecordService[Any, Any]]) -> Iterator[tuple[str, Any, str | None]]:
    """``(id, row or None, problem)`` for every row; a row that cannot be read is named, not fatal."""
    seen: set[str] = set()
    try:
        stmt = select(cls.model).order_by(cls.model.id).execution_options(yield_per=500)
        for row in session.execute(stmt).scalars():
            seen.add(row.id)
            yield row.id, row, None
            session.expunge(row)
        return
    except (SQLAlchemyError, ValueError, TypeError, OverflowError):
        session.rollback()
    # Row by row, so that one damaged row does not hide the others.
    ids = [str(i) for i in session.execute(select(cls.model.__table__.c.id)).scalars()]
    for record_id in ids:
        if record_id in seen:
            continue
        try:
            row = session.execute(select(cls.model).where(cls.model.id == record_id)).scalar_one()
        except (SQLAlchemyError, ValueError, TypeError, OverflowError) as exc:
            session.rollback()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            yield record_id, None, reason[0] if reason else type(exc).__name__
            continue
        yield record_id, row, None


def _check_records(session: Session, collector: _Collector, tables: set[str], findings: list[Finding]) -> str:
    count = matched = unlogged = 0
    scanned: set[str] = set()
    for record_type, cls in sorted(registry().items()):
        table = cls.model.__tablename__
        if table not in tables:
            continue
        with _guard(session, findings, "records", f"table {table}"):
            for record_id, row, problem in _rows(session, cls):
                count += 1
                snapshot = collector.records.pop(record_id, None)
                if problem is not None:
                    findings.append(Finding("records", record_id, f"its row cannot be read ({problem})"))
                    continue
                try:
                    current = _out(cls, row).model_dump(mode="json")
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(p) for p in first["loc"])
                    findings.append(
                        Finding("records", record_id, f"its row holds a value no service writes ({where}: "
                                f"{first['msg']}): changed outside OpenAIMS")
                    )
                    continue
                if snapshot is None:
                    unlogged += 1
                    findings.append(
                        Finding("records", record_id, "has no history event: it was written outside OpenAIMS, "
                                "or its history was removed")
                    )
                    continue
                if snapshot.digest == _UNKNOWN:
                    continue  # its last event is unreadable, which the history check reports
                if snapshot.digest is None:
                    findings.append(
                        Finding("records", record_id, f"exists, but its last event {snapshot.describe()} removed it")
                    )
                    continue
                if _digest(current, cls.unrecorded_fields) == snapshot.digest:
                    matched += 1
                    continue
                recorded = _snapshot_of(session, snapshot.seq)
                diffs = _differences(current, recorded, cls.unrecorded_fields) if isinstance(recorded, dict) else []
                if diffs:
                    findings.append(Finding("records", record_id, _changed(snapshot, diffs)))
                else:
                    matched += 1
            scanned.add(record_type)
    lost = sorted(
        (rid, s) for rid, s in collector.records.items() if s.digest and _type_of(rid) in scanned
    )
    for record_id, snapshot in lost:
        findings.append(
            Finding("records", record_id, f"is missing: its last event {snapshot.describe()} shows it, but its row "
                    "was deleted outside OpenAIMS")
        )
    if unlogged and unlogged == count:
        findings.insert(
            0,
            Finding("records", "register", f"the history holds no event for any of its {count} records: "
                    "the history was emptied or the records were loaded outside OpenAIMS"),
        )
    return f"{matched} of {count} records match their last event"


def _type_of(record_id: str) -> str | None:
    prefix = record_id.split("-", 1)[0]
    for record_type, cls in registry().items():
        if cls.prefix() == prefix:
            return record_type
    return None


# ------------------------------------------------------------------ accounts
def _check_accounts(session: Session, collector: _Collector, tables: set[str], findings: list[Finding]) -> str:
    accounts = tokens = 0
    if "accounts" in tables:
        table: Table = Account.__table__  # type: ignore[assignment]
        columns = ("username", "display_name", "roles", "person_id", "active", "oidc_issuer", "oidc_subject")
        for values in session.execute(select(*(table.c[c] for c in columns)).order_by(table.c.username)):
            accounts += 1
            current = dict(zip(columns, values, strict=True))
            if isinstance(current["roles"], list):
                current["roles"] = sorted(str(r) for r in current["roles"])
            username = str(current["username"])
            subject = f"account {username!r}"
            last = collector.accounts.pop(username, None)
            if last is None:
                findings.append(Finding("accounts", subject, "has no history event: it was created outside OpenAIMS"))
                continue
            snapshot, recorded = last
            if recorded is None:
                continue  # its last event is unreadable, which the history check reports
            diffs = _differences(current, recorded)
            if diffs:
                findings.append(Finding("accounts", subject, _changed(snapshot, diffs)))
        for username, (snapshot, _recorded) in sorted(collector.accounts.items()):
            findings.append(
                Finding("accounts", f"account {username!r}", f"is missing: its last event {snapshot.describe()} "
                        "shows it, but it was deleted outside OpenAIMS")
            )
    if "api_tokens" in tables:
        table = ApiToken.__table__  # type: ignore[assignment]
        token_columns = ("id", "username", "name", "scopes", "expires_at", "revoked_at")
        for values in session.execute(select(*(table.c[c] for c in token_columns)).order_by(table.c.id)):
            tokens += 1
            current = dict(zip(token_columns, values, strict=True))
            _check_token(collector, current, findings)
    return f"{accounts} accounts and {tokens} API tokens checked against their events"


def _check_token(collector: _Collector, current: dict[str, Any], findings: list[Finding]) -> None:
    token_id = str(current["id"])
    subject = f"API token {token_id}"
    issued = collector.tokens.get(token_id)
    if issued is None:
        findings.append(Finding("accounts", subject, f"of {current['username']!r} has no history event: it was "
                                "created outside OpenAIMS"))
        return
    problems: list[str] = []
    if current["username"] != issued.username:
        problems.append(f"belongs to {current['username']!r}, issued to {issued.username!r}")
    scopes = sorted(current["scopes"]) if isinstance(current["scopes"], list) else current["scopes"]
    if "scopes" in issued.data and scopes != sorted(issued.data["scopes"]):
        problems.append(f"scopes are {_shown(scopes)}, issued with {_shown(sorted(issued.data['scopes']))}")
    if "name" in issued.data and current["name"] != issued.data["name"]:
        problems.append(f"name is {_shown(current['name'])}, issued as {_shown(issued.data['name'])}")
    if "expires_at" in issued.data:
        expires = current["expires_at"].isoformat() if isinstance(current["expires_at"], dt.datetime) else None
        if not _same(expires, issued.data["expires_at"]):
            problems.append(f"expires {expires or 'never'}, issued to expire {issued.data['expires_at'] or 'never'}")
    revoked = issued.revoked_seq or (
        collector.deactivated[issued.username]
        if collector.deactivated.get(issued.username, 0) > issued.seq
        else None
    )
    if revoked is not None and current["revoked_at"] is None:
        problems.append(f"was revoked by event #{revoked} but is active again")
    if problems:
        findings.append(
            Finding(
                "accounts", subject, f"changed outside OpenAIMS: {'; '.join(problems)} (issued by event #{issued.seq})"
            )
        )


# ------------------------------------------------------------------ the whole check
def verify_register(
    session: Session,
    *,
    checkpoints: Sequence[signed.Checkpoint] = (),
    progress: Callable[[int, int], None] | None = None,
    check_storage: bool = True,
) -> IntegrityReport:
    """Run every check; never raises on a damaged database (what it finds is in the report).

    ``check_storage=False`` leaves out the database-file checks (for a scratch copy).
    """
    findings: list[Finding] = []
    areas: list[AreaResult] = []

    def close(area: str, summary: str, *, skipped: bool = False) -> None:
        found = sum(1 for f in findings if f.area == area)
        areas.append(AreaResult(area, summary, found, skipped))

    dialect = session.get_bind().dialect.name
    tables: set[str] = set()
    summary = "not checked"
    with _guard(session, findings, "storage", "database"):
        tables = _tables(session)
        if not check_storage:
            pass
        elif dialect == "sqlite":
            summary = _check_sqlite(session, findings)
        elif dialect == "postgresql":
            summary = _check_postgres(session, findings, tables)
    close("storage", summary, skipped=not check_storage)

    wanted = {t.name for t in Base.metadata.sorted_tables}
    for name in sorted(wanted - tables):
        findings.append(Finding("schema", f"table {name}", "is missing: it was dropped outside OpenAIMS"))
    close("schema", f"{len(wanted & tables)} of {len(wanted)} tables present")

    collector = _Collector(
        frozenset(registry()),
        frozenset(c.seq for c in checkpoints),
        {rt: cls.unrecorded_fields for rt, cls in registry().items() if cls.unrecorded_fields},
    )
    chain: history.ChainReport | None = None
    if "history_events" in tables:
        with _guard(session, findings, "history", "history"):
            chain = history.verify(
                session, progress=progress, visit=collector.visit, with_head="history_head" in tables
            )
    if chain is not None:
        for problem in chain.problems:
            findings.append(Finding("history", f"event #{problem.seq}", problem.describe().split(": ", 1)[1]))
        if chain.more_problems:
            findings.append(Finding("history", "history", f"{chain.more_problems} more damaged event(s)"))
        span = f", {chain.first_at} to {chain.last_at}" if chain.events else ""
        close("history", f"{chain.events} events{span}; head {chain.head_hash[:16]}...")
    else:
        close("history", "the history could not be read", skipped=True)

    if chain is None:
        close("records", "not checked: the history could not be read", skipped=True)
        close("accounts", "not checked: the history could not be read", skipped=True)
    else:
        summary = "not checked"
        with _guard(session, findings, "records", "records"):
            summary = _check_records(session, collector, tables, findings)
        close("records", summary)
        summary = "not checked"
        with _guard(session, findings, "accounts", "accounts"):
            summary = _check_accounts(session, collector, tables, findings)
        close("accounts", summary)

    if not checkpoints:
        close("checkpoints", NONE_GIVEN)
    elif chain is None:
        close("checkpoints", "not checked: the history could not be read", skipped=True)
    else:
        for checkpoint in checkpoints:
            wrong = signed.check(checkpoint, chain, collector.hashes, last_seq=collector.last_seq)
            if wrong is not None:
                findings.append(Finding("checkpoints", checkpoint.source, wrong))
        close("checkpoints", f"{len(checkpoints)} signed checkpoint(s), key {checkpoints[0].key_id}")
    return IntegrityReport(chain=chain, areas=tuple(areas), findings=tuple(findings))
