"""aims card: the system card of the sample's credit-scoring and chatbot systems as Markdown, HTML and PDF,
with what the register lacks shown as gaps; an unknown system id is one line and exit 2."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.support.cli import run

from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.services import SystemService

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def sample(sample_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    target = tmp_path / "aims.db"
    shutil.copyfile(sample_file, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("AIMS_DATABASE_URL", url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.setenv("AIMS_ORGANISATION", "Northwind Lending")
    return url


def _system_id(url: str, name: str) -> str:
    db = Database(url)
    try:
        with db.read() as session:
            return next(s.id for s in SystemService(session, Actor("maria")).all() if s.name == name)
    finally:
        db.dispose()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_credit_scoring_card_tells_affected_people_what_the_register_knows(
    sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scoring = _system_id(sample, "Credit scoring model")
    code, out, err = run(capsys, "card", scoring)
    assert (code, err) == (0, "")
    card = _flat(out)
    for expected in (
        "# System card: Credit scoring model",
        "Credit scoring model (" + scoring + ") is an AI system of Northwind Lending.",
        "**Purpose:** Support credit decisions on consumer loan applications.",
        "**Intended use:** Credit analysts deciding applications up to EUR 50,000; never the sole basis of a refusal.",
        "**Do not use it for:** Automatic refusals without human review; use for marketing segmentation.",
        "Applicants under 25 and thin-file applicants (a vulnerable group)",
        "| Loan applications and outcomes 2018-2025 | Loan origination system and Equinox Credit Bureau |",
        "Every refusal reviewed by a credit analyst",
        "**Risk tier:** high",
        "Annex III 5(b): Creditworthiness or credit scoring",
        "Art. 86: People affected by a decision based on a high-risk system may ask for an explanation",
        "Art. 26: Deployers of a high-risk system inform the people",
        "AI incident notifications (Customers and regulator): E-mail and portal",
        "Last reviewed on",
    ):
        assert expected in card, expected
    # What the register lacks is a gap, not left out: no model is linked, nobody says how to contest a decision.
    assert f"**GAP: no model is linked to {scoring} (scan its repositories: 'aims scan')**" in card
    assert "**GAP: how a person can contest a decision is not recorded" in card


def test_the_chatbot_card_lists_its_models_and_the_art_50_notices_in_every_format(
    sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chatbot = _system_id(sample, "Customer support chatbot")
    texts: dict[str, str] = {}
    for suffix in ("md", "html", "pdf"):
        target = tmp_path / f"card.{suffix}"
        code, out, err = run(capsys, "card", chatbot, "-o", str(target))
        assert (code, err) == (0, ""), err
        assert "Wrote" in out
        if suffix == "pdf":
            texts[suffix] = subprocess.run(
                ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
            ).stdout
        elif suffix == "html":
            page = target.read_text("utf-8")
            assert page.startswith("<!doctype html>")
            assert '<p class="gap">GAP: ' in page
            texts[suffix] = html.unescape(re.sub(r"<[^>]+>", " ", page))
        else:
            texts[suffix] = target.read_text("utf-8")
    for suffix, text in texts.items():
        flat = _flat(text)
        for expected in (
            "System card: Customer support chatbot", "gpt-4o", "claude-sonnet-4-5", "anthropic, ", "openai",
            "Support tickets 2023-2025", "Agent handover on request or low confidence",
            "Art. 50(1): System interacts directly with people: tell them it is AI (unless obvious)",
            "Art. 50(2)", "impact assessment IA-2 is draft, not approved",
        ):  # fmt: skip
            assert expected in flat, (suffix, expected)


def test_html_escapes_what_the_register_holds(sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chatbot = _system_id(sample, "Customer support chatbot")
    db = Database(sample)
    try:
        with db.session() as session:
            service = SystemService(session, Actor("maria"))
            system = service.get(chatbot)
            service.update(chatbot, system.version, {"human_oversight": "<script>alert(1)</script> & review"})
    finally:
        db.dispose()
    target = tmp_path / "card.html"
    code, _, err = run(capsys, "card", chatbot, "-o", str(target))
    assert (code, err) == (0, "")
    page = target.read_text("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; review" in page


def test_a_system_with_little_recorded_shows_gaps(sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(sample)
    try:
        with db.session() as session:
            bare = SystemService(session, Actor("maria")).create({"name": "Invoice reader"})
    finally:
        db.dispose()
    code, out, _ = run(capsys, "card", bare.id)
    assert code == 0
    card = _flat(out)
    for gap in (
        "**Purpose:** GAP: not recorded", "**Intended use:** GAP: not recorded",
        f"**GAP: no model is linked to {bare.id}", "**GAP: no dataset is recorded for this system**",
        "**GAP: how people oversee this system is not recorded**",
        f"**GAP: {bare.id} has no EU AI Act classification yet ('aims classify {bare.id}')**",
        "**GAP: no review of this system is recorded", f"**GAP: no impact assessment of {bare.id} is recorded**",
    ):  # fmt: skip
        assert gap in card, gap


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("card", "SYS-999"), "aims: error: no system 'SYS-999'"),
        (("card", "SYS-1", "--format", "pdf"), "--format pdf writes a binary file: name it with -o FILE"),
        (("card", "SYS-1", "--format", "docx", "-o", "c.docx"), "--format 'docx' is not one of md, html, pdf"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str, sample: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
