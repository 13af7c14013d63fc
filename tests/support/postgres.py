"""A throw-away PostgreSQL server for the test session.

``AIMS_TEST_DATABASE_URL`` names an existing server to use instead. Otherwise the
fixture finds ``initdb`` and ``pg_ctl`` under ``/usr/lib/postgresql/*/bin``,
creates a cluster in a temporary directory (owned by the ``postgres`` OS user
when the tests run as root, since PostgreSQL refuses to run as root), starts it
on a free port number listening only on a unix socket in that directory (so
parallel servers never collide on TCP), and stops it at exit.
Each pytest-xdist worker runs its own server and databases, so workers never
share state. Tests are skipped, with the reason, only when no binaries exist.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

ENV_URL = "AIMS_TEST_DATABASE_URL"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_binaries() -> tuple[Path, Path] | None:
    """``(initdb, pg_ctl)`` of the newest installed PostgreSQL, or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    for initdb in candidates:
        pg_ctl = Path(initdb).with_name("pg_ctl")
        if pg_ctl.exists():
            return Path(initdb), pg_ctl
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None:
            return None
    return Path(shutil.which("initdb") or "initdb"), Path(shutil.which("pg_ctl") or "pg_ctl")


@dataclass
class PostgresServer:
    """A running server: create and drop databases on it, get SQLAlchemy URLs."""

    admin_url: URL
    _created: list[str] = field(default_factory=list)

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def create_database(self, prefix: str = "aims") -> str:
        """A fresh, empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self._created.append(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()
        if name in self._created:
            self._created.remove(name)

    def drop_all(self) -> None:
        for name in list(self._created):
            with contextlib.suppress(Exception):
                self.drop_database(self.url(name))


class _LocalCluster:
    """initdb + pg_ctl in a temporary directory."""

    def __init__(self, initdb: Path, pg_ctl: Path) -> None:
        self.initdb = initdb
        self.pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="aims-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "run"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        self.started = False

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}{log}")

    def start(self) -> URL:
        self.sockets.mkdir()
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
            shutil.chown(self.sockets, user="postgres", group="postgres")
        self._run(
            str(self.initdb), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(str(self.pg_ctl), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        self.started = True
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            database="postgres",
            query={"host": str(self.sockets), "port": str(self.port)},
        )

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(Exception):
                self._run(str(self.pg_ctl), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test process (one per xdist worker)."""
    given = os.environ.get(ENV_URL)
    if given:
        url = make_url(given)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        server = PostgresServer(admin_url=url)
        yield server
        server.drop_all()
        return
    binaries = find_binaries()
    if binaries is None:
        pytest.skip(
            f"PostgreSQL binaries not found (no /usr/lib/postgresql/*/bin/initdb); "
            f"install postgresql or set {ENV_URL}"
        )
    cluster = _LocalCluster(*binaries)
    atexit.register(cluster.stop)
    try:
        server = PostgresServer(admin_url=cluster.start())
    except Exception:
        cluster.stop()
        raise
    yield server
    cluster.stop()
