"""Load: concurrent API clients writing and reading the register at once, on SQLite (WAL) and PostgreSQL.

For each database it makes a register (``aims init``), one account (an AIMS manager, who may
edit every risk) and API token per client, and a few shared risks every client edits; then
starts ``aims serve`` on loopback and runs ``--clients`` threads, each with its own token, for
``--seconds``. Each client, in a loop, reads a shared risk, lists risks, edits a shared risk
(reads its version, then PATCHes with it: a stale version is refused with 409, never
overwritten), creates a risk and edits the first risk it created. Every answer's status and time is kept.

Afterwards it checks, through the API and ``aims history verify``, that nothing was lost:

- every accepted edit of a shared risk got its own new version (no two edits answered with the
  same version), the risk's version is 1 + the accepted edits, its history holds one event per
  accepted edit, and its text is the one the last accepted edit wrote;
- every client's own risk holds what its last accepted edit wrote;
- every created risk exists, and the history chain and every record verify.

It prints, per operation, the requests, the answers by class (2xx, 409, other 4xx, 5xx) and
p50/p95/max latency, and exits 1 if any answer was a 5xx, any other answer than 2xx or 409,
or an update was lost.

    .venv/bin/python benchmarks/load.py                                  # 20 clients, 300 s, both
    .venv/bin/python benchmarks/load.py --seconds 60 --databases sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registers import free_port, register_url  # noqa: E402

AIMS = Path(sys.executable).with_name("aims")

#: How often each operation is picked (out of the sum).
MIX = {"read": 35, "list": 15, "edit shared": 30, "create": 5, "edit own": 15}


@dataclass
class Answer:
    op: str
    status: int
    ms: float


@dataclass
class Client:
    """One API client: its token, what it has seen, and its accepted writes."""

    name: str
    token: str
    answers: list[Answer] = field(default_factory=list)
    #: (risk id, version the server answered, description written) of every accepted edit.
    edits: list[tuple[str, int, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _env(url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATABASE_URL=url, AIMS_EVIDENCE_DIR=str(home / "evidence"))
    return env


def prepare(url: str, home: Path, clients: int) -> list[Client]:
    """A register with an admin, and an AIMS manager account and API token per client."""
    subprocess.run([str(AIMS), "init"], cwd=home, env=_env(url, home), check=True, capture_output=True)
    from openaims.register.actors import Actor, Role
    from openaims.register.db import Database
    from openaims.register.services.accounts import AccountService

    admin = Actor("root", roles=frozenset({Role.ADMIN}))
    database = Database(url)
    made = []
    try:
        with database.session() as s:
            AccountService(s, None).create("root", None, roles=["admin"])
            accounts = AccountService(s, admin)
            for i in range(clients):
                name = f"writer{i + 1:02d}"
                accounts.create(name, None, roles=["aims_manager"], display_name=f"Writer {i + 1}")
                made.append(Client(name, accounts.issue_token(name, "load", ["read", "write"]).secret))
    finally:
        database.dispose()
    return made


@contextmanager
def serve(url: str, home: Path, workers: int) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(AIMS), "serve", "--port", str(port), "--workers", str(workers)],
        cwd=home,
        env=_env(url, home),
        stdout=subprocess.DEVNULL,
        stderr=(home / "serve.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
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
        server.wait(timeout=30)


def _timed(client: Client, http: httpx.Client, op: str, method: str, path: str, **kwargs: object) -> httpx.Response:
    started = time.perf_counter()
    response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
    client.answers.append(Answer(op, response.status_code, (time.perf_counter() - started) * 1000))
    if response.status_code >= 500 or (400 <= response.status_code < 500 and response.status_code != 409):
        client.errors.append(f"{op} {method} {path}: {response.status_code} {response.text[:200]}")
    return response


def work(client: Client, base: str, shared: list[str], deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    ops, weights = list(MIX), list(MIX.values())
    headers = {"Authorization": "Bearer " + client.token}
    n = 0
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        own = _timed(client, http, "create", "POST", "/api/v1/records/risk", json={"title": f"{client.name} own"})
        if own.status_code == 201:
            client.created.append(own.json()["id"])
        while time.monotonic() < deadline:
            n += 1
            op = rng.choices(ops, weights)[0]
            if op == "read":
                _timed(client, http, op, "GET", f"/api/v1/records/risk/{rng.choice(shared)}")
            elif op == "list":
                _timed(
                    client, http, op, "GET", "/api/v1/records/risk", params={"limit": 20, "offset": rng.randint(0, 40)}
                )
            elif op == "create":
                made = _timed(client, http, op, "POST", "/api/v1/records/risk", json={"title": f"{client.name} {n}"})
                if made.status_code == 201:
                    client.created.append(made.json()["id"])
            else:
                target = rng.choice(shared) if op == "edit shared" else client.created[0]
                read = _timed(client, http, "read", "GET", f"/api/v1/records/risk/{target}")
                if read.status_code != 200:
                    continue
                text = f"{client.name} edit {n}"
                change = {"version": read.json()["version"], "changes": {"description": text}}
                done = _timed(client, http, op, "PATCH", f"/api/v1/records/risk/{target}", json=change)
                if done.status_code == 200:
                    client.edits.append((target, int(done.json()["version"]), text))


def check(base: str, token: str, clients: list[Client], shared: list[str], url: str, home: Path) -> list[str]:
    """Every lost update, missing record or history problem found (empty when none)."""
    problems: list[str] = []
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer " + token}, timeout=120) as http:
        edits: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for client in clients:
            for risk, version, text in client.edits:
                edits[risk].append((version, text))
        owned = {client.created[0] for client in clients if client.created}
        for risk in [*shared, *sorted(owned)]:
            accepted = sorted(edits[risk])
            versions = [v for v, _ in accepted]
            record = http.get(f"/api/v1/records/risk/{risk}").json()
            events = http.get(f"/api/v1/records/risk/{risk}/history").json()
            if len(set(versions)) != len(versions):
                problems.append(f"{risk}: two accepted edits answered with the same version")
            if record["version"] != 1 + len(accepted):
                problems.append(f"{risk}: version {record['version']} after {len(accepted)} accepted edits")
            if len(events) != 1 + len(accepted):
                problems.append(f"{risk}: {len(events)} events after {len(accepted)} accepted edits")
            if accepted and record.get("description") != accepted[-1][1]:
                problems.append(f"{risk}: holds {record.get('description')!r}, last accepted {accepted[-1][1]!r}")
        created = {rid for client in clients for rid in client.created}
        listed = http.get("/api/v1/records/risk", params={"limit": 1}).json()["total"]
        if listed != len(created) + len(shared):
            problems.append(f"{listed} risks listed, {len(created) + len(shared)} created")
    verify = subprocess.run([str(AIMS), "history", "verify"], cwd=home, env=_env(url, home), capture_output=True,
                            text=True, check=False)  # fmt: skip
    if verify.returncode != 0:
        problems.append(f"aims history verify: exit {verify.returncode}: {verify.stderr.strip()[:300]}")
    return problems


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(clients: list[Client], seconds: float) -> tuple[int, int]:
    by_op: dict[str, list[Answer]] = defaultdict(list)
    for client in clients:
        for answer in client.answers:
            by_op[answer.op].append(answer)
    every = [a for answers in by_op.values() for a in answers]
    print(f"{len(every):,} requests in {seconds:.0f} s ({len(every) / seconds:.1f}/s)\n")
    print("| operation | requests | 2xx | 409 | other 4xx | 5xx | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for op, answers in [*sorted(by_op.items()), ("all", every)]:
        ms = [a.ms for a in answers]
        count = defaultdict(int)
        for a in answers:
            kind = "2xx" if a.status < 300 else "409" if a.status == 409 else "5xx" if a.status >= 500 else "4xx"
            count[kind] += 1
        print(f"| {op} | {len(answers):,} | {count['2xx']:,} | {count['409']:,} | {count['4xx']:,} | {count['5xx']:,} "
              f"| {statistics.median(ms):.0f} | {pct(ms, 0.95):.0f} | {max(ms):.0f} |")  # fmt: skip
    fives = sum(1 for a in every if a.status >= 500)
    others = sum(1 for a in every if 400 <= a.status < 500 and a.status != 409)
    return fives, others


def run(database: str, args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="aims-load-") as tmp:
        home = Path(tmp)
        with register_url(database, home, "aims_load") as url:
            clients = prepare(url, home, args.clients)
            with serve(url, home, args.workers) as base:
                with httpx.Client(base_url=base, headers={"Authorization": "Bearer " + clients[0].token}) as http:
                    shared = [http.post("/api/v1/records/risk", json={"title": f"Shared risk {i + 1}"}).json()["id"]
                              for i in range(args.shared)]  # fmt: skip
                print(f"\n## {database}: {args.clients} clients, {args.seconds:.0f} s, {args.shared} shared risks, "
                      f"aims serve --workers {args.workers}, load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
                started = time.monotonic()
                deadline = started + args.seconds
                threads = [
                    threading.Thread(target=work, args=(client, base, shared, deadline, i), daemon=True)
                    for i, client in enumerate(clients)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.monotonic() - started
                fives, others = report(clients, elapsed)
                problems = check(base, clients[0].token, clients, shared, url, home)
            accepted = sum(len(c.edits) for c in clients)
            print(f"\naccepted edits {accepted:,}, records created {sum(len(c.created) for c in clients):,}; "
                  f"5xx answers {fives}, other 4xx {others}; lost updates and history problems: {len(problems)}; "
                  f"load average after {os.getloadavg()[0]:.1f}")  # fmt: skip
            for problem in problems[:20]:
                print(f"  - {problem}")
            for client in clients:
                for error in client.errors[:3]:
                    print(f"  - {client.name}: {error}")
            if fives:
                log = (home / "serve.log").read_text(errors="replace").strip().splitlines()
                print("\n".join("    " + line for line in log[-20:]))
            return not fives and not others and not problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent API clients (threads)")
    parser.add_argument("--seconds", type=float, default=300, help="how long the clients run")
    parser.add_argument("--shared", type=int, default=5, help="risks every client edits")
    parser.add_argument("--workers", type=int, default=2, help="aims serve --workers")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
    ok = [run(database.strip(), args) for database in args.databases.split(",")]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
