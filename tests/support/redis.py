"""A throw-away Redis server for the test session (the broker of the scan workers).

``AIMS_TEST_REDIS_URL`` names an existing server to use instead. Otherwise the fixture
starts ``redis-server`` (installed by ``make test``, see scripts/ensure-system-deps.sh)
on a free loopback port in a temporary directory, without persistence, and stops it at
exit. Each pytest-xdist worker runs its own server.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ENV_URL = "AIMS_TEST_REDIS_URL"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    host: str
    port: int
    _next_db: int = 1

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def fresh_url(self) -> str:
        """A database number no other test of this process used (16 per server)."""
        number = self._next_db
        self._next_db = number % 15 + 1
        import redis

        client = redis.Redis(host=self.host, port=self.port, db=number)
        try:
            client.flushdb()
        finally:
            client.close()
        return self.url(number)


class _LocalRedis:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="aims-redis-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return RedisServer("127.0.0.1", self.port)
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            if self.process.poll() is None:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    given = os.environ.get(ENV_URL)
    if given:
        from urllib.parse import urlsplit

        parts = urlsplit(given)
        yield RedisServer(parts.hostname or "127.0.0.1", parts.port or 6379)
        return
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if binary is None:
        pytest.skip(f"redis-server not found; install redis-server (make system-deps) or set {ENV_URL}")
    local = _LocalRedis(binary)
    atexit.register(local.stop)
    yield local.start()
    local.stop()
