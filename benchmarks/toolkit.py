"""How long the toolkit takes on the sample register: every template in every format, and every system card.

Builds the sample organisation (``aims demo-data``'s records and its scan of the sample repository) in
a temporary SQLite register, then times, in process (no interpreter start-up), reading the register
and filling each template (``render_template``) and printing it as Markdown, Word and PDF, and
building each AI system's card and printing it as Markdown, HTML and PDF. Best of ``--runs``.

    .venv/bin/python benchmarks/toolkit.py
    .venv/bin/python benchmarks/toolkit.py --runs 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from openaims.discovery.interface import ScanOptions  # noqa: E402
from openaims.discovery.scanner import Scanner  # noqa: E402
from openaims.register.actors import Actor  # noqa: E402
from openaims.register.db import Database  # noqa: E402
from openaims.register.demo import load_demo  # noqa: E402
from openaims.register.demo_sample import sample_repository  # noqa: E402
from openaims.register.services import SystemService  # noqa: E402
from openaims.register.testing import upgraded_template  # noqa: E402
from openaims.reports.card import build_card, to_html  # noqa: E402
from openaims.reports.document import DocFormat, render, to_markdown, to_pdf  # noqa: E402
from openaims.reports.toolkit import render_template, templates  # noqa: E402

ACTOR = Actor("maria")
ORGANISATION = "Northwind Lending"


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; the best is printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aims-toolkit-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'aims.db'}"
        upgraded_template(url)
        db = Database(url)
        with sample_repository() as repository:
            findings = Scanner(ScanOptions(root=repository), jobs=1).scan().findings
        with db.session() as session:
            load_demo(session, today=dt.date.today(), evidence_dir=Path(tmp) / "evidence", scan_findings=findings,
                      accounts=False)  # fmt: skip
        print(f"cpus: {os.cpu_count()}, sample register (SQLite), best of {args.runs}, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"{'template':26} {'fill ms':>8} {'md ms':>7} {'docx ms':>8} {'pdf ms':>7} {'pdf KB':>7}")
        with db.read() as session:
            for name in templates():
                fill = best(args.runs, partial(render_template, session, ACTOR, name, organisation=ORGANISATION))
                document = render_template(session, ACTOR, name, organisation=ORGANISATION)
                times = {f: best(args.runs, partial(render, document, f)) for f in DocFormat}
                size = len(render(document, DocFormat.PDF)) / 1024
                print(f"{name:26} {fill * 1000:8.0f} {times[DocFormat.MD] * 1000:7.1f} "
                      f"{times[DocFormat.DOCX] * 1000:8.0f} {times[DocFormat.PDF] * 1000:7.0f} {size:7.0f}")  # fmt: skip
            print(f"\n{'system card':26} {'build ms':>8} {'md ms':>7} {'html ms':>8} {'pdf ms':>7}")
            for system in SystemService(session, ACTOR).all():
                build = best(args.runs, partial(build_card, session, ACTOR, system.id, organisation=ORGANISATION))
                card = build_card(session, ACTOR, system.id, organisation=ORGANISATION)
                md = best(args.runs, partial(to_markdown, card))
                html = best(args.runs, partial(to_html, card))
                pdf = best(args.runs, partial(to_pdf, card))
                print(f"{system.id + ' ' + system.name[:18]:26} {build * 1000:8.0f} {md * 1000:7.1f} "
                      f"{html * 1000:8.1f} {pdf * 1000:7.0f}")  # fmt: skip
        db.dispose()


if __name__ == "__main__":
    main()
