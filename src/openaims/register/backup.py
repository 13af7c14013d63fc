"""``aims backup`` and ``aims restore``: the whole register in one verified archive, and back.

A backup is a tar archive (gzip-compressed when its name ends in ``.gz`` or ``.tgz``)::

    manifest.json          format, database kind, schema revision, when and by whom, the
                           history's event count and head, the database copy's size and
                           SHA-256, and every evidence file's SHA-256
    register.sqlite        an SQLite register, copied with SQLite's online backup API
      or register.pgdump   a PostgreSQL register, written by ``pg_dump --format=custom``
    evidence/<sha256>      the content of file evidence

Unlike ``aims export`` it keeps everything, accounts with their password hashes and API
tokens included, so it is as sensitive as the database itself. A backup is checked as it
is written: the SQLite copy passes ``aims history verify``'s checks, and a PostgreSQL dump
is read back for its history head. A restore checks the archive against its manifest,
replaces the register (only an empty one unless forced), copies the evidence files, and
verifies that the restored history ends at the head the manifest names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from openaims.errors import AimsError, UsageError
from openaims.register import history, migrations
from openaims.register.db import Database, normalise_url, sqlite_path
from openaims.register.integrity import IntegrityReport, verify_register
from openaims.register.models.evidence import Evidence
from openaims.register.models.internal import HistoryEvent, HistoryHead
from openaims.untrusted import InputError, Limits, read_json

FORMAT = "openaims-backup/v1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "register.sqlite"
POSTGRES_MEMBER = "register.pgdump"
EVIDENCE_PREFIX = "evidence/"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MANIFEST_LIMITS = Limits(max_bytes=16 * 1024 * 1024, max_depth=8, max_elements=2_000_000)
_CHUNK = 1024 * 1024
_PG_TIMEOUT = 6 * 3600

Progress = Callable[[str], None]


class BackupError(AimsError):
    """A backup or restore that failed a check (exit 1): nothing was replaced."""


@dataclass
class BackupReport:
    path: Path
    dialect: str
    schema: str | None
    events: int
    head_seq: int
    head_hash: str
    evidence_files: int
    missing_evidence: list[str] = field(default_factory=list)
    #: Problems ``aims history verify`` finds in the copy (SQLite), which the backup holds too.
    findings: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class RestoreReport:
    source: Path
    dialect: str
    events: int
    head_seq: int
    head_hash: str
    evidence_files: int
    created_at: str
    created_by: str
    integrity: IntegrityReport | None = None


# ------------------------------------------------------------------ helpers
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _evidence_hashes(session: Session) -> list[str]:
    rows = session.execute(
        select(Evidence.sha256).where(Evidence.kind == "file", Evidence.sha256.is_not(None)).distinct()
    ).scalars()
    return sorted(str(h) for h in rows if h and _SHA256.match(str(h)))


def _head(session: Session) -> tuple[int, int, str]:
    events = int(session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one())
    head = session.execute(select(HistoryHead.seq, HistoryHead.hash).where(HistoryHead.id == 1)).one_or_none()
    return (events, int(head[0]), str(head[1])) if head is not None else (events, 0, history.GENESIS)


def _evidence_path(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))




# ------------------------------------------------------------------ PostgreSQL tools
def _pg_tool(name: str, bin_dir: Path | None) -> str:
    if bin_dir is not None:
        candidate = bin_dir / name
        if candidate.is_file():
            return str(candidate)
        raise UsageError(f"{name} is not in AIMS_PG_BIN_DIR ({bin_dir})")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3], reverse=True)
    if versions:
        return str(versions[0])
    raise UsageError(
        f"{name} is not installed: install the PostgreSQL client tools (Debian: apt install postgresql-client) "
        "or set AIMS_PG_BIN_DIR"
    )


def _pg_env(url: str) -> dict[str, str]:
    """libpq connection settings for ``url`` as environment variables (no password on a command line)."""
    parsed = make_url(normalise_url(url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    query = {k: str(v if isinstance(v, str) else v[0]) for k, v in parsed.query.items()}
    host = parsed.host or query.get("host")
    port = parsed.port or query.get("port")
    values = {
        "PGHOST": host,
        "PGPORT": str(port) if port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": query.get("sslmode"),
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _run(args: list[str], env: dict[str, str], what: str, *, stdout: IO[bytes] | int | None = None) -> None:
    try:
        done = subprocess.run(
            args, env=env, stdout=stdout if stdout is not None else subprocess.DEVNULL, stderr=subprocess.PIPE,
            timeout=_PG_TIMEOUT, check=False,
        )  # fmt: skip
    except OSError as exc:
        raise UsageError(f"cannot run {args[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit code {done.returncode}'}")


def _copy_rows(dump: Path, table: str, env: dict[str, str], bin_dir: Path | None) -> Iterator[list[str]]:
    """The rows of ``table`` in a custom-format dump, as COPY text fields."""
    args = [_pg_tool("pg_restore", bin_dir), "--data-only", f"--table={table}", "--file=-", str(dump)]
    with tempfile.TemporaryFile() as out:
        _run(args, env, f"reading {table} from the dump", stdout=out)
        out.seek(0)
        inside = False
        for raw in out:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("COPY "):
                inside = True
                continue
            if inside and line == "\\.":
                inside = False
                continue
            if inside:
                yield line.split("\t")


def _dump_summary(dump: Path, env: dict[str, str], bin_dir: Path | None) -> tuple[int, int, str, str | None]:
    """Events, head seq, head hash and schema revision as the dump holds them."""
    head = next(iter(_copy_rows(dump, "history_head", env, bin_dir)), None)
    revision = next(iter(_copy_rows(dump, "alembic_version", env, bin_dir)), None)
    events = sum(1 for _ in _copy_rows(dump, "history_events", env, bin_dir))
    if head is None:
        return events, 0, history.GENESIS, revision[0] if revision else None
    return events, int(head[1]), head[2], revision[0] if revision else None


# ------------------------------------------------------------------ backup
def _sqlite_copy(path: Path, copy: Path) -> None:
    source = sqlite3.connect(path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the register at {path} cannot be copied: {exc}") from None
    finally:
        target.close()
        source.close()


def create_backup(
    database: Database,
    target: Path,
    *,
    evidence_dir: Callable[[], Path],
    actor: str,
    pg_bin_dir: Path | None = None,
    progress: Progress | None = None,
) -> BackupReport:
    """Write a verified backup of ``database`` (and its evidence files) to ``target``."""
    say = progress or (lambda _message: None)
    dialect = database.dialect
    target = target.absolute()
    with tempfile.TemporaryDirectory(prefix=".aims-backup-", dir=target.parent) as work:
        scratch = Path(work)
        findings: list[str] = []
        if dialect == "sqlite":
            path = sqlite_path(database.url)
            if path is None:
                raise UsageError("an in-memory register cannot be backed up")
            member, copy = SQLITE_MEMBER, scratch / SQLITE_MEMBER
            say("copying the register (SQLite online backup)")
            _sqlite_copy(path, copy)
            say("verifying the copy")
            copied = Database(f"sqlite:///{copy}")
            try:
                schema = migrations.current_revision(copied.engine)
                with copied.read() as session:
                    report = verify_register(session)
                    hashes = _evidence_hashes(session)
            finally:
                copied.dispose()
            findings = [f.describe() for f in report.findings]
            chain = report.chain
            events = chain.events if chain else 0
            head_seq = chain.head_seq if chain else 0
            head_hash = chain.head_hash if chain else history.GENESIS
        elif dialect == "postgresql":
            member, copy = POSTGRES_MEMBER, scratch / POSTGRES_MEMBER
            env = _pg_env(database.url)
            say("dumping the register (pg_dump)")
            _run(
                [_pg_tool("pg_dump", pg_bin_dir), "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={copy}"],
                env, "pg_dump",
            )  # fmt: skip
            say("reading the dump back")
            events, head_seq, head_hash, schema = _dump_summary(copy, env, pg_bin_dir)
            with database.read() as session:
                hashes = _evidence_hashes(session)
        else:
            raise UsageError(f"cannot back up a {dialect} register")
        say("writing the archive")
        folder = evidence_dir() if hashes else None
        present = [h for h in hashes if folder is not None and _evidence_path(folder, h).is_file()]
        missing = [h for h in hashes if h not in present]
        manifest = {
            "format": FORMAT,
            "database": dialect,
            "schema": schema,
            "created_at": history.format_at(dt.datetime.now(dt.UTC)),
            "created_by": actor,
            "history": {"events": events, "head_seq": head_seq, "head_hash": head_hash},
            "register": {"member": member, "size": copy.stat().st_size, "sha256": _sha256(copy)},
            "evidence": present,
            "missing_evidence": missing,
        }
        partial = scratch / "backup.tar"
        compressed = target.name.endswith((".gz", ".tgz"))
        with tarfile.open(partial, "w:gz") if compressed else tarfile.open(partial, "w") as tar:
            _add_bytes(tar, MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
            tar.add(copy, arcname=member, recursive=False)
            for sha in present:
                assert folder is not None
                tar.add(_evidence_path(folder, sha), arcname=EVIDENCE_PREFIX + sha, recursive=False)
        os.replace(partial, target)
    return BackupReport(
        path=target, dialect=dialect, schema=schema, events=events, head_seq=head_seq, head_hash=head_hash,
        evidence_files=len(present), missing_evidence=missing, findings=findings, size=target.stat().st_size,
    )  # fmt: skip


# ------------------------------------------------------------------ restore
def _read_manifest(tar: tarfile.TarFile, source: Path) -> dict[str, Any]:
    try:
        info = tar.getmember(MANIFEST)
    except KeyError:
        raise UsageError(f"{source} is not an OpenAIMS backup (no {MANIFEST})") from None
    if not info.isfile() or info.size > _MANIFEST_LIMITS.max_bytes:
        raise UsageError(f"{source}: {MANIFEST} is not a manifest")
    handle = tar.extractfile(info)
    assert handle is not None
    try:
        manifest = read_json(handle.read(), f"{source.name}:{MANIFEST}", limits=_MANIFEST_LIMITS)
    except InputError as exc:
        raise UsageError(exc.message) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UsageError(f"{source} is not a backup this version reads (format {FORMAT})")
    return manifest


def _check_members(tar: tarfile.TarFile, source: Path, member: str, evidence: set[str]) -> None:
    for info in tar.getmembers():
        name = info.name
        allowed = name in (MANIFEST, member) or (
            name.startswith(EVIDENCE_PREFIX) and name.removeprefix(EVIDENCE_PREFIX) in evidence
        )
        if not allowed or not info.isfile():
            raise UsageError(f"{source}: unexpected member {name!r}; a backup holds only what its manifest lists")


def _extract(tar: tarfile.TarFile, name: str, target: Path, *, size: int | None, sha256: str) -> None:
    """Copy member ``name`` to ``target``, checking its size and SHA-256 as it is read."""
    info = tar.getmember(name)
    if size is not None and info.size != size:
        raise BackupError(f"{name} in the backup is {info.size} bytes, the manifest says {size}: it was altered")
    handle = tar.extractfile(info)
    assert handle is not None
    digest = hashlib.sha256()
    tmp = target.with_name(f".{target.name}.incoming")
    with tmp.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        tmp.unlink()
        raise BackupError(f"{name} in the backup does not match its SHA-256: it was altered or damaged")
    os.replace(tmp, target)


def _target_holds_data(database: Database) -> bool:
    from openaims.register.exchange.restore import register_is_empty

    path = sqlite_path(database.url)
    if path is not None and not path.exists():
        return False
    try:
        if migrations.current_revision(database.engine) is None:
            return False
        with database.read() as session:
            empty, _events = register_is_empty(session)
    except (SQLAlchemyError, OSError, ValueError):  # a damaged target is replaced only with --force
        return True
    return not empty


def restore_backup(
    source: Path,
    database_url: str,
    *,
    evidence_dir: Callable[[], Path],
    force: bool = False,
    pg_bin_dir: Path | None = None,
    progress: Progress | None = None,
) -> RestoreReport:
    """Replace the register at ``database_url`` with the backup ``source`` and verify the result."""
    say = progress or (lambda _message: None)
    if not source.is_file():
        raise UsageError(f"{source} is not a backup file")
    target_dialect = make_url(normalise_url(database_url)).get_backend_name()
    try:
        tar = tarfile.open(source, "r:*")  # noqa: SIM115 - closed by the with block below
    except (tarfile.TarError, OSError) as exc:
        raise UsageError(f"{source} is not a backup archive ({exc})") from None
    with tar, tempfile.TemporaryDirectory(prefix="aims-restore-") as work:
        manifest = _read_manifest(tar, source)
        dialect = manifest.get("database")
        registered: dict[str, Any] = manifest["register"] if isinstance(manifest.get("register"), dict) else {}
        member, size, digest = registered.get("member"), registered.get("size"), registered.get("sha256")
        head: dict[str, Any] = manifest["history"] if isinstance(manifest.get("history"), dict) else {}
        expected = member == {"sqlite": SQLITE_MEMBER, "postgresql": POSTGRES_MEMBER}.get(str(dialect))
        if not expected or not isinstance(size, int) or not isinstance(digest, str):
            raise UsageError(f"{source}: its manifest does not name the database copy")
        if dialect != target_dialect:
            raise UsageError(
                f"{source} is a backup of a {dialect} register and cannot be restored into {target_dialect}; "
                "move registers between databases with 'aims export' and 'aims import'"
            )
        schema = manifest.get("schema")
        if schema is not None and schema not in migrations.known_revisions():
            raise UsageError(f"{source} was made by a newer OpenAIMS (schema {schema}); upgrade OpenAIMS first")
        evidence = {h for h in manifest.get("evidence", []) if isinstance(h, str) and _SHA256.match(h)}
        _check_members(tar, source, str(member), evidence)
        database = Database(database_url)
        try:
            if _target_holds_data(database) and not force:
                raise BackupError(
                    "the register to restore into already holds records or history; restore into an empty "
                    "register, or give --force to replace it (make a backup of it first)"
                )
            copy = Path(work) / str(member)
            say("checking the backup")
            _extract(tar, str(member), copy, size=size, sha256=digest)
            if dialect == "sqlite":
                _restore_sqlite(copy, database, say)
            else:
                _restore_postgres(copy, database, pg_bin_dir, say)
            say("restoring evidence files")
            folder = evidence_dir() if evidence else None
            for sha in sorted(evidence):
                assert folder is not None
                path = _evidence_path(folder, sha)
                if path.is_file() and _sha256(path) == sha:
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                _extract(tar, EVIDENCE_PREFIX + sha, path, size=None, sha256=sha)
            say("verifying the restored register")
            with database.read() as session:
                integrity = verify_register(session)
                events, head_seq, head_hash = _head(session)
        finally:
            database.dispose()
    if (head_seq, head_hash) != (head.get("head_seq"), head.get("head_hash")) or events != head.get("events"):
        raise BackupError(
            f"the restored history ends at event #{head_seq} ({head_hash[:16]}...), not at the backup's "
            f"#{head.get('head_seq')}: the restore is incomplete"
        )
    return RestoreReport(
        source=source, dialect=str(dialect), events=events, head_seq=head_seq, head_hash=head_hash,
        evidence_files=len(evidence), created_at=str(manifest.get("created_at", "")),
        created_by=str(manifest.get("created_by", "")), integrity=integrity,
    )  # fmt: skip


def _restore_sqlite(copy: Path, database: Database, say: Progress) -> None:
    path = sqlite_path(database.url)
    if path is None:
        raise UsageError("cannot restore into an in-memory register")
    checked = Database(f"sqlite:///{copy}")
    try:
        with checked.read() as session:
            history_head = _head(session)
    except (SQLAlchemyError, sqlite3.DatabaseError) as exc:  # the copy itself is damaged
        raise BackupError(f"the database in the backup cannot be read: {str(exc).splitlines()[0]}") from None
    finally:
        checked.dispose()
    say(f"replacing the register ({history_head[0]} events)")
    database.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)  # page by page into the live file, under SQLite's own locking
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot write the register at {path}: {exc}") from None
    finally:
        target.close()
        source.close()


def _restore_postgres(dump: Path, database: Database, bin_dir: Path | None, say: Progress) -> None:
    env = _pg_env(database.url)
    database.dispose()
    say("restoring the register (pg_restore)")
    _run(
        [_pg_tool("pg_restore", bin_dir), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", f"--dbname={env.get('PGDATABASE', '')}", str(dump)],
        env, "pg_restore",
    )  # fmt: skip

