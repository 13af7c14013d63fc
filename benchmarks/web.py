"""Latency of the AI Risk Hub at scale: dashboard, main lists and a record page.

Loads ``aims demo-data --scale N`` (default 1001: 5,000+ AI systems, 50,000+ components,
200,000+ history events) into SQLite and a throw-away PostgreSQL server, starts
``aims serve`` on loopback, signs in as the demo admin and sends a bounded number of
sequential requests per page from one client, then prints p50/p95/max per page.

    .venv/bin/python benchmarks/web.py                      # both databases, scale 1001
    .venv/bin/python benchmarks/web.py --scale 101 --databases sqlite --requests 20
    .venv/bin/python benchmarks/web.py --first-dashboard 5 --databases sqlite

``--first-dashboard N`` measures instead what a person signing in meets on the sample register
(``aims demo-data``): N times, a freshly started server, sign-in as soon as it answers, and the
time of the first dashboard page after sign-in; then the dashboard page right after a write.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registers import free_port, register_url  # noqa: E402

AIMS = Path(sys.executable).with_name("aims")
TARGET_P95_MS = 150.0


def load(url: str, home: Path, scale: int) -> float:
    env = {**os.environ, "AIMS_DATABASE_URL": url, "AIMS_EVIDENCE_DIR": str(home / "evidence")}
    subprocess.run([str(AIMS), "init"], cwd=home, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([str(AIMS), "demo-data", "--scale", str(scale)], cwd=home, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from openaims.register.db import Database
    from openaims.register.models.internal import HistoryEvent
    from openaims.register.models.systems import AISystem, Component

    db = Database(url)
    try:
        with db.read() as session:
            return {
                name: int(session.execute(select(func.count()).select_from(model)).scalar_one())
                for name, model in (("systems", AISystem), ("components", Component), ("events", HistoryEvent))
            }
    finally:
        db.dispose()


@contextmanager
def serve(url: str, home: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "AIMS_DATABASE_URL": url, "AIMS_EVIDENCE_DIR": str(home / "evidence")}
    server = subprocess.Popen([str(AIMS), "serve", "--port", str(port)], cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("aims serve did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def signed_in(base: str) -> httpx.Client:
    from openaims.register.demo import DEMO_PASSWORD

    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF field on the sign-in page"
    done = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
    assert done.status_code == 303, done.text[:300]
    return client


def pages(client: httpx.Client) -> dict[str, str]:
    systems = client.get("/api/v1/records/system", params={"limit": 1, "offset": 2500}).json()["items"]
    system = systems[0]["id"] if systems else "SYS-1"
    return {
        "dashboard (page)": "/",
        "dashboard (API)": "/api/v1/dashboard",
        "AI systems list": "/records/system",
        "components list": "/records/component",
        "components list, page 200": "/records/component?page=200",
        "risks list + heat map": "/records/risk",
        "components API (50)": "/api/v1/records/component?limit=50",
        f"record page {system}": f"/r/{system}",
        "history log": "/history",
    }


def measure(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(2):  # warm caches
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def measure_after_writes(client: httpx.Client, system: str, requests: int, path: str = "/api/v1/dashboard") -> list[float]:
    """The dashboard right after a change to the register (its figures recomputed each time)."""
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert csrf, "no CSRF token on the dashboard"
    headers = {"X-CSRF-Token": csrf.group(1)}
    times = []
    for i in range(requests):
        version = client.get(f"/api/v1/records/system/{system}").json()["version"]
        change = {"version": version, "changes": {"description": f"benchmark edit {i}"}}
        assert client.patch(f"/api/v1/records/system/{system}", json=change, headers=headers).status_code == 200
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(database: str, scale: int, requests: int) -> list[tuple[str, float, float, float]]:
    with tempfile.TemporaryDirectory(prefix="aims-web-bench-") as tmp:
        home = Path(tmp)
        with register_url(database, home, "aims_bench") as url:
            seconds = load(url, home, scale)
            n = counts(url)
            print(f"\n## {database}: {n['systems']:,} AI systems, {n['components']:,} components, "
                  f"{n['events']:,} history events (loaded in {seconds:.0f} s)\n")  # fmt: skip
            rows = []
            with serve(url, home) as base:
                client = signed_in(base)
                print(f"| page | p50 ms | p95 ms | max ms | p95 < {TARGET_P95_MS:.0f} ms |")
                print("|---|---:|---:|---:|:-:|")
                targets = pages(client)
                system = next(p for p in targets.values() if p.startswith("/r/")).removeprefix("/r/")
                measured = {name: measure(client, path, requests) for name, path in targets.items()}
                measured["dashboard (API) after a write"] = measure_after_writes(client, system, requests)
                for name, times in measured.items():
                    p50, p95 = statistics.median(times), pct(times, 0.95)
                    rows.append((name, p50, p95, max(times)))
                    ok = "yes" if p95 < TARGET_P95_MS else "**no**"
                    print(f"| {name} | {p50:.0f} | {p95:.0f} | {max(times):.0f} | {ok} |", flush=True)
            return rows


def first_dashboard(database: str, restarts: int) -> None:
    """The first dashboard page after sign-in on the sample register, each time in a new server."""
    with tempfile.TemporaryDirectory(prefix="aims-web-bench-") as tmp:
        home = Path(tmp)
        with register_url(database, home, "aims_bench") as url:
            load(url, home, 1)
            n = counts(url)
            print(f"\n## {database}: the sample register ({n['systems']} AI systems, {n['components']} components, "
                  f"{n['events']} history events)\n")  # fmt: skip
            print("| server start | sign-in ms | first dashboard ms | second dashboard ms |")
            print("|---:|---:|---:|---:|")
            firsts = []
            for run_number in range(1, restarts + 1):
                with serve(url, home) as base:
                    started = time.perf_counter()
                    client = signed_in(base)
                    signing = (time.perf_counter() - started) * 1000
                    started = time.perf_counter()
                    assert client.get("/").status_code == 200
                    first = (time.perf_counter() - started) * 1000
                    started = time.perf_counter()
                    assert client.get("/").status_code == 200
                    second = (time.perf_counter() - started) * 1000
                    firsts.append(first)
                    print(f"| {run_number} | {signing:.0f} | {first:.0f} | {second:.0f} |", flush=True)
                    if run_number == restarts:
                        system = client.get("/api/v1/records/system", params={"limit": 1}).json()["items"][0]["id"]
                        after = measure_after_writes(client, system, 10, path="/")
            print(f"\nfirst dashboard after sign-in: median {statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms "
                  f"(target 300 ms); dashboard page right after a write: median {statistics.median(after):.0f} ms, "
                  f"max {max(after):.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1001, help="aims demo-data --scale (1001: 5,000+ systems)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--first-dashboard", type=int, default=0, metavar="N",
                        help="instead: the first dashboard after sign-in on the sample register, N server starts")  # fmt: skip
    args = parser.parse_args()
    if args.first_dashboard:
        print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
        for database in args.databases.split(","):
            first_dashboard(database.strip(), args.first_dashboard)
        return
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, scale {args.scale}, "
          f"{args.requests} sequential requests per page after 2 warm-ups")  # fmt: skip
    for database in args.databases.split(","):
        run(database.strip(), args.scale, args.requests)


if __name__ == "__main__":
    main()
