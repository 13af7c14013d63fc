"""``aims serve``: a busy port is a one-line usage error; ``--workers`` starts that many processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

AIMS = [sys.executable, "-m", "openaims"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update({"AIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'aims.db'}", **extra})
    return env


def test_busy_port_exits_2_with_one_line_naming_port_and_setting(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([*AIMS, "init"], env=env, check=True, capture_output=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(
            [*AIMS, "serve", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60
        )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"port {port}" in lines[0]
    assert "--port" in lines[0]
    assert "AIMS_PORT" in lines[0]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found.update(int(c) for c in children)
    return found


def _descendants(pid: int) -> set[int]:
    result: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in result:
                result.add(child)
                todo.append(child)
    return result


def test_workers_start_that_many_server_processes(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([*AIMS, "init"], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [*AIMS, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert status in (200, 303)
        # uvicorn's supervisor runs the workers as processes of its own; each serves requests.
        servers = set()
        for _ in range(40):
            response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5, headers={"Connection": "close"})
            assert response.status_code in (200, 303)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            servers = {
                pid
                for pid in _descendants(proc.pid)
                if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
                and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
            }
            if len(servers) >= 2:
                break
            time.sleep(0.2)
        assert len(servers) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_make_demo_with_the_port_taken_says_so_before_setting_up(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".venv" / "bin" / "python").exists():  # the demo script runs the project's venv
        subprocess.run(["make", "venv"], cwd=root, check=True, capture_output=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "AIMS_PORT": str(port), "AIMS_DEMO_DIR": str(tmp_path / "demo")}
        out = subprocess.run(
            ["bash", str(root / "scripts" / "demo.sh")], env=env, capture_output=True, text=True, timeout=120
        )
    assert out.returncode == 2
    assert f"port {port} is already in use" in out.stderr
    assert "AIMS_PORT" in out.stderr
    assert not (tmp_path / "demo").exists()  # nothing was set up
