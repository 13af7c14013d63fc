"""A register database for a benchmark run: a file on SQLite, or a throwaway PostgreSQL cluster."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def register_url(database: str, home: Path, name: str) -> Iterator[str]:
    """The URL of an empty register: ``home/aims.db`` on SQLite (WAL journaling: every connection
    sets it), or database ``name`` on a PostgreSQL cluster started for the run and stopped after."""
    if database == "sqlite":
        yield f"sqlite:///{home / 'aims.db'}"
        return
    from tests.support.postgres import PostgresServer, _LocalCluster, find_binaries

    binaries = find_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    cluster = _LocalCluster(*binaries)
    try:
        yield PostgresServer(admin_url=cluster.start()).create_database(name)
    finally:
        cluster.stop()
