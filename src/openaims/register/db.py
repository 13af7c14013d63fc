"""Engine and session factory for the register: SQLite (embedded) or PostgreSQL.

SQLite connections get foreign keys, WAL journaling and a busy timeout; write
transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers queue
instead of failing half-way. PostgreSQL uses the ``psycopg`` (v3) driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from openaims.errors import UsageError

#: Execution option that asks for a write transaction (``BEGIN IMMEDIATE`` on SQLite).
WRITE_OPTION = "aims_write"
#: Execution option that asks for a read-only transaction: the database refuses any write in it
#: (``PRAGMA query_only`` on SQLite, ``SET TRANSACTION READ ONLY`` on PostgreSQL).
READ_ONLY_OPTION = "aims_read_only"


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def parse_url(url: str) -> URL:
    """Parse a database URL; a malformed one is a UsageError that does not echo a password."""
    try:
        return make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
        raise UsageError(
            f"AIMS_DATABASE_URL is not a database URL: {shown!r}; use sqlite:///PATH or postgresql://..."
        ) from None


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not the driver) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        # query_only belongs to the connection, not the transaction: set it at every begin whose
        # wish differs from the connection's current setting (pooled connections are reused).
        read_only = bool(options.get(READ_ONLY_OPTION, False))
        info = connection.connection.info
        if info.get(READ_ONLY_OPTION, False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
            info[READ_ONLY_OPTION] = read_only
        immediate = options.get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _install_postgres_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION, False):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``; the parent directory of an SQLite file must exist."""
    parsed = parse_url(url)
    url = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _install_sqlite_hooks(engine)
        return engine
    if backend == "postgresql":
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
        _install_postgres_hooks(engine)
        return engine
    raise UsageError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")


class Database:
    """One register database: an engine and the sessions opened on it."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back on any error
        (except an error marked ``keeps_changes``, such as a refused sign-in)."""
        session = self._sessions()
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        try:
            yield session
            session.commit()
        except BaseException as exc:
            if getattr(exc, "keeps_changes", False):
                session.commit()
            else:
                session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that is never committed (whatever it changes is rolled back)."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        """A read-only transaction: the database itself refuses a write in it (web requests that
        only read run in one)."""
        session = self._sessions()
        session.connection(execution_options={READ_ONLY_OPTION: True})
        session.info[READ_ONLY_OPTION] = True
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @staticmethod
    def is_read_only(session: Session) -> bool:
        """Whether ``session`` was opened by :meth:`read_only`."""
        return bool(session.info.get(READ_ONLY_OPTION, False))

    def dispose(self) -> None:
        self.engine.dispose()
