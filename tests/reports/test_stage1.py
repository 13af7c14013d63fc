"""Stage 1 readiness report: documented information found or missing with its records, HTML and PDF."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.readiness.kit import ADMIN, TODAY, ready_register

from openaims.frameworks.loader import load_catalogue
from openaims.readiness.documented import Presence
from openaims.register.db import Database
from openaims.reports.stage1 import GENERATOR, Stage1Report, build_stage1, to_html, to_pdf

REQUIRED = [i.id for i in load_catalogue().framework("iso42001").of_kind("documented_information")]
NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def sqlite_database(_sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


def stage1(database: Database, evidence: Path) -> Stage1Report:
    with database.read() as session:
        return build_stage1(session, ADMIN, today=TODAY, organisation="Acme Lending", evidence_dir=evidence, now=NOW)


@pytest.fixture
def ready(sqlite_database: Database, tmp_path: Path) -> tuple[Database, dict[str, Any]]:
    with sqlite_database.session() as session:
        ids = ready_register(session, tmp_path / "evidence")
    return sqlite_database, ids


def test_a_ready_register_provides_every_item_with_its_records(
    ready: tuple[Database, dict[str, Any]], tmp_path: Path
) -> None:
    database, ids = ready
    report = stage1(database, tmp_path / "evidence")
    assert [d.id for d in report.documents] == REQUIRED
    assert {d.id: d.reasons for d in report.documents if d.presence is not Presence.FOUND} == {}
    links = {d.id: d.links for d in report.documents}
    assert links["4.3/di1"] == [ids["scope"]]
    assert ids["documents"][0] in links["5.2/di1"]
    assert links["6.1.4/di1"] == [ids["impact"]]
    assert ids["risk"] in links["6.1.3/di3"]  # its residual risk, accepted after the treatment
    assert links["9.3.3/di1"] == [ids["review"]]
    assert links["9.2.2/di2"] == [ids["audit"]]
    assert ids["nc"] in links["10.2/di1"]
    assert ids["evidence"] in links["7.5.3/di1"]
    assert report.presence_totals() == {"found": len(REQUIRED), "incomplete": 0, "missing": 0}


def test_an_empty_register_lacks_every_item(sqlite_database: Database, tmp_path: Path) -> None:
    report = stage1(sqlite_database, tmp_path / "evidence")
    assert {d.id for d in report.documents if d.presence is Presence.MISSING} == set(REQUIRED)
    assert all(d.links == [] for d in report.documents)
    policy = next(d for d in report.documents if d.id == "5.2/di1")
    assert policy.reasons == ["no AI policy in the document register"]
    assert [i.id for i in report.clauses][:3] == ["4.1", "4.2", "4.3"]
    assert len(report.controls) == 38


def test_items_follow_the_records(ready: tuple[Database, dict[str, Any]], tmp_path: Path) -> None:
    database, ids = ready
    from openaims.register.services import ManagementReviewService

    with database.session() as session:
        reviews = ManagementReviewService(session, ADMIN)
        review = reviews.get(ids["review"])
        reviews.update(review.id, review.version, {"decisions": []})
    report = stage1(database, tmp_path / "evidence")
    changed = {d.id: d.presence for d in report.documents if d.presence is not Presence.FOUND}
    assert changed == {"9.3.3/di1": Presence.INCOMPLETE}


def test_html_is_self_contained_and_lists_found_and_missing(
    ready: tuple[Database, dict[str, Any]], tmp_path: Path
) -> None:
    database, ids = ready
    html = to_html(stage1(database, tmp_path / "evidence"), record_url="/r/")
    assert "<h1>Acme Lending: Stage 1 readiness report</h1>" in html
    assert f'<a href="/r/{ids["scope"]}">{ids["scope"]}</a>' in html
    assert html.count('<span class="pill found">found</span>') == len(REQUIRED)
    assert "<script" not in html
    assert "http://" not in html
    assert "https://" not in html
    assert GENERATOR in html
    assert 'id="item-A.10.4"' in html


def test_html_of_an_empty_register_says_missing(sqlite_database: Database, tmp_path: Path) -> None:
    html = to_html(stage1(sqlite_database, tmp_path / "evidence"))
    assert html.count('<span class="pill missing">missing</span>') >= len(REQUIRED)
    assert "<a href=" not in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_is_valid_and_every_page_carries_the_stamp(ready: tuple[Database, dict[str, Any]], tmp_path: Path) -> None:
    database, ids = ready
    report = stage1(database, tmp_path / "evidence")
    pdf = to_pdf(report)
    assert pdf.startswith(b"%PDF-")
    target = tmp_path / "stage1.pdf"
    target.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"Acme Lending - Stage 1 readiness as of {TODAY.isoformat()}" in flat, number
        assert f"by {GENERATOR}" in flat, number
        assert f"Page {number}" in flat
    flat = " ".join(text.split())
    for expected in ("6.1.3/di2", ids["scope"], "A.10.4"):
        assert expected in flat
