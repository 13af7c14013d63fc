"""Does the time of a refused sign-in tell which accounts exist or are locked?

Posts the sign-in form of the AI Risk Hub (in-process, real argon2 parameters, an SQLite
register in a temporary directory) for five cases, interleaved so that machine noise
hits all of them alike, and prints the median and p95 of each:

- an unknown username, a wrong password for a real account, a real account locked from
  this address (right password), a deactivated account, and a successful sign-in.

Every request comes from its own client address except the locked case, so the
per-address rate limit and address lockout do not turn the other cases into lockouts.

    .venv/bin/python benchmarks/sign_in.py                 # 40 requests per case
    .venv/bin/python benchmarks/sign_in.py --requests 100
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from openaims.register import migrations  # noqa: E402
from openaims.register.actors import Actor, Role  # noqa: E402
from openaims.register.db import Database  # noqa: E402
from openaims.register.services.accounts import AccountService  # noqa: E402
from openaims.register.services.signin import ACCOUNT_FAILURES  # noqa: E402
from openaims.web.app import create_app  # noqa: E402
from openaims.web.config import WebSettings  # noqa: E402

PASSPHRASE = " ".join(["amber", "lantern", "orchard", "seventy"])
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _register(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    migrations.upgrade(db.engine)
    admin = Actor("root", frozenset({Role.ADMIN}))
    with db.session() as s:
        AccountService(s).create("root", PASSPHRASE, roles=["admin"])
        AccountService(s, admin).create("maria", PASSPHRASE, roles=["aims_manager"])
        AccountService(s, admin).create("gone", PASSPHRASE, roles=["viewer"])
        AccountService(s, admin).deactivate("gone")
    return db


def _post(app: object, peer: str, username: str, password: str) -> tuple[float, int]:
    c = TestClient(app, base_url="http://testserver", follow_redirects=False, client=(peer, 40000))  # type: ignore[arg-type]
    match = _CSRF.search(c.get("/login").text)
    assert match
    data = {"username": username, "password": password, "csrf_token": match.group(1)}
    started = time.perf_counter()
    status = c.post("/login", data=data).status_code
    return (time.perf_counter() - started) * 1000, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40, help="requests per case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = _register(Path(tmp) / "aims.db")
        app = create_app(db, web_settings=WebSettings(secret_key="b" * 40, login_attempts_per_minute=1000))
        locked_from = "192.0.2.200"
        for _ in range(ACCOUNT_FAILURES):
            _post(app, locked_from, "root", "wrong password guess")
        cases = {
            "unknown username": ("nobody-here", PASSPHRASE, 401),
            "wrong password": ("root", "wrong password guess", 401),
            "locked (right password)": ("root", PASSPHRASE, 401),
            "deactivated account": ("gone", PASSPHRASE, 401),
            "successful sign-in": ("maria", PASSPHRASE, 303),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for i in range(args.requests):
            for name, (username, password, expected) in cases.items():
                peer = locked_from if name.startswith("locked") else f"10.{i % 250}.{list(cases).index(name)}.1"
                elapsed, status = _post(app, peer, username, password)
                assert status == expected, (name, status)
                times[name].append(elapsed)
        db.dispose()
    print(f"POST /login, {args.requests} requests per case, argon2 defaults, SQLite")
    print(f"{'case':<26}{'median ms':>10}{'p95 ms':>10}")
    for name, values in times.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:<26}{statistics.median(values):>10.1f}{p95:>10.1f}")
    refusals = [statistics.median(v) for name, v in times.items() if name != "successful sign-in"]
    print(f"spread of the refusal medians: {max(refusals) - min(refusals):.1f} ms")


if __name__ == "__main__":
    main()
