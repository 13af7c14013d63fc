"""The toolkit: every template renders to Markdown, Word and PDF from an empty register (blanks marked) and
from the sample register (its content in place of blanks); --register files a draft controlled document that
readiness finds once approved; unknown names and unusable formats are one-line errors (exit 2)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.readiness.kit import ADMIN
from tests.support.cli import run
from tests.support.documents import docx_text, pdf_text

from openaims.frameworks.loader import load_catalogue
from openaims.readiness.engine import evaluate
from openaims.readiness.model import Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.services import DocumentService, DocumentVersionService
from openaims.reports.document import Table
from openaims.reports.toolkit import _cell, parse_markdown, templates

TODAY = dt.datetime.now(dt.UTC).date()
NAMES = [
    "ai-policy", "scope-statement", "risk-method", "impact-assessment", "system-register", "internal-audit-plan",
    "management-review-agenda", "incident-procedure", "supplier-questionnaire", "acceptable-use",
]  # fmt: skip
#: What the sample register (aims demo-data) puts into each template.
SAMPLE_CONTENT = {
    "ai-policy": ["Credit scoring model", "Chatbot answer accuracy", "Maria Lopez"],
    "scope-statement": ["Lisbon (HQ)", "Customer Operations", "Consumer-credit regulator focus on algorithmic fairness"],
    "risk-method": ["Northwind 5x5 AI risk method", "C.3.1 Complexity of environment"],
    "impact-assessment": ["Support credit decisions on consumer loan applications", "Support tickets 2023-2025",
                          "IA-1 approved", "(EU AI Act Art. 27, by their classification): SYS-2."],
    "system-register": ["Loan applications and outcomes 2018-2025", "Equinox Credit Bureau", "Internal coding assistant"],
    "internal-audit-plan": ["A.6.2.4", "AI risk management procedure", "Scope statement of the AIMS"],
    "management-review-agenda": ["Status of actions from previous management reviews", "Elena Fischer"],
    "incident-procedure": ["AI incident notifications", "Maria Lopez", "Death of a person"],
    "supplier-questionnaire": ["Equinox Credit Bureau", "Hosted LLM API (Claude family)", "conditional"],
    "acceptable-use": ["Internal coding assistant", "Approved AI suppliers: OpenAI"],
}  # fmt: skip
#: A blank of each template that the sample register fills.
FILLED = {
    "ai-policy": "[TO COMPLETE: the AI objectives, each with a metric",
    "scope-statement": "[TO COMPLETE: the organisational units in scope]",
    "risk-method": "[TO COMPLETE: adopt these scales",
    "impact-assessment": "[TO COMPLETE: the AI systems to assess",
    "system-register": "[TO COMPLETE: the AI systems the organisation provides",
    "internal-audit-plan": "[TO COMPLETE: the Statement of Applicability",
    "management-review-agenda": "[TO COMPLETE: attendees]",
    "incident-procedure": "[TO COMPLETE: who decides, when and how]",
    "supplier-questionnaire": "[TO COMPLETE: the suppliers to send",
    "acceptable-use": "[TO COMPLETE: the AI systems and tools staff may use",
}


def _copy(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def empty_register(_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = _copy(_sqlite_template, tmp_path / "empty.db")
    monkeypatch.setenv("AIMS_DATABASE_URL", url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.setenv("AIMS_ORGANISATION", "Northwind Lending")
    return url


@pytest.fixture
def sample_register(sample_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = _copy(sample_file, tmp_path / "sample.db")
    monkeypatch.setenv("AIMS_DATABASE_URL", url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    monkeypatch.setenv("AIMS_ORGANISATION", "Northwind Lending")
    return url


def _render(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, suffix: str) -> bytes:
    target = tmp_path / f"{name}.{suffix}"
    code, out, err = run(capsys, "template", "render", name, "-o", str(target))
    assert (code, err) == (0, ""), err
    assert f"Wrote{target}" in "".join(out.split())
    return target.read_bytes()


def test_the_list_names_every_template_with_what_it_serves(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(templates()) == NAMES
    code, out, err = run(capsys, "template", "list")
    assert (code, err) == (0, "")
    flat = " ".join(out.split())
    for name in NAMES:
        assert name in out
    assert "9.2.1, 9.2.2" in flat
    assert "A.10.2, A.10.3" in flat
    assert "Management review agenda" in flat


@pytest.mark.parametrize("name", NAMES)
def test_each_template_from_an_empty_register_marks_what_is_missing_in_every_format(
    name: str, empty_register: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = templates()[name].title
    markdown = _render(capsys, tmp_path, name, "md").decode("utf-8")
    word = docx_text(_render(capsys, tmp_path, name, "docx"))
    pdf = pdf_text(_render(capsys, tmp_path, name, "pdf"), tmp_path)
    serves = "This document serves ISO/IEC 42001 " + "; ".join(
        f"{ref} {load_catalogue().framework('iso42001').get(ref).title}" for ref in templates()[name].serves
    )
    for text in (markdown, word, pdf):
        assert title in text
        assert "Northwind Lending" in text
        assert "[TO COMPLETE:" in text
        assert serves in " ".join(text.split())
    # the same blanks in each format
    assert markdown.count("[TO COMPLETE:") == word.count("[TO COMPLETE:") == pdf.count("[TO COMPLETE:")


@pytest.mark.parametrize("name", NAMES)
def test_each_template_from_the_sample_register_carries_its_content(
    name: str, sample_register: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = _render(capsys, tmp_path, name, "md").decode("utf-8")
    word = docx_text(_render(capsys, tmp_path, name, "docx"))
    pdf = pdf_text(_render(capsys, tmp_path, name, "pdf"), tmp_path)
    flat_md = " ".join(markdown.split())
    for expected in SAMPLE_CONTENT[name]:
        assert expected in flat_md, expected
        assert expected in word, expected
        assert expected in pdf, expected
    assert "Northwind Lending" in flat_md
    assert "author: maria" in flat_md


@pytest.fixture
def empty_file(_sqlite_template: Path) -> Path:
    return _sqlite_template


def test_the_sample_fills_blanks_the_empty_register_leaves(
    empty_file: Path, sample_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    texts: dict[str, dict[str, str]] = {}
    for label, source in (("empty", empty_file), ("sample", sample_file)):
        monkeypatch.setenv("AIMS_DATABASE_URL", _copy(source, tmp_path / f"{label}.db"))
        for name in NAMES:
            code, out, err = run(capsys, "template", "render", name)
            assert (code, err) == (0, "")
            texts.setdefault(label, {})[name] = " ".join(out.split())
    for name, blank in FILLED.items():
        assert blank in texts["empty"][name], name
        assert blank not in texts["sample"][name], name


def test_register_files_a_draft_document_that_readiness_finds_once_approved(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    database = Database(db_url)
    try:
        with database.read() as session:
            before = evaluate(load_snapshot(session, ADMIN, today=TODAY)).item("5.2")
        assert before.status is Status.MISSING
        code, out, err = run(capsys, "template", "render", "ai-policy", "--register", "-o", str(tmp_path / "p.docx"))
        assert (code, err) == (0, "")
        assert "Registered as a new document DOC-1 'AI policy': version 1 (DOCV-1) in draft" in out
        with database.read() as session:
            doc = DocumentService(session, ADMIN).get("DOC-1")
            (version,) = DocumentVersionService(session, ADMIN).all(document_id="DOC-1")
        assert (doc.kind, doc.owner) == ("policy", "maria")
        assert "ISO/IEC 42001 5.2, A.2.2, A.2.4" in (doc.description or "")
        assert (version.status, version.author, version.number) == ("draft", "maria", 1)
        assert "# AI policy" in (version.content or "")
        assert "[TO COMPLETE:" in (version.content or "")
        # A second run is a new draft version of the same document, not a second document.
        code, out, err = run(capsys, "template", "render", "ai-policy", "--register")
        assert code == 0
        assert "Registered as a new draft version of DOC-1 'AI policy': version 2" in err
        assert out.startswith("# AI policy")
        with database.session() as session:
            versions = DocumentVersionService(session, Actor("maria"))
            assert len(DocumentService(session, ADMIN).all()) == 1
            draft = versions.get("DOCV-2")
            draft = versions.transition(draft.id, draft.version, "in_review")
            DocumentVersionService(session, Actor("elena")).approve_record(
                draft.id, draft.version, {"next_review": TODAY + dt.timedelta(days=365)}
            )
        with database.read() as session:
            after = evaluate(load_snapshot(session, ADMIN, today=TODAY)).item("5.2")
        policy_check = next(c for c in after.checks if c.check == "approved_document")
        assert policy_check.status is Status.MET
        assert "DOCV-2" in policy_check.links
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("template", "render", "ai-polcy"), "aims: error: no toolkit template 'ai-polcy'; templates: ai-policy,"),
        (("template", "render", "ai-policy", "--format", "pdf"), "--format pdf writes a binary file: name it with -o FILE"),
        (("template", "render", "ai-policy", "--format", "odt", "-o", "x.odt"), "--format 'odt' is not one of md, docx, pdf"),
        (("template", "render", "ai-policy", "-o", "/nonexistent-folder/p.md"), "the folder /nonexistent-folder does not exist"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    args: tuple[str, ...], message: str, empty_register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    with Database(empty_register).read() as session:
        assert DocumentService(session, ADMIN).all() == []


def test_without_an_approved_method_the_risk_method_shows_the_default_scales_to_adopt(
    empty_register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "template", "render", "risk-method")
    assert code == 0
    assert "| rare | low | low | low | medium | medium |" in out
    assert "[TO COMPLETE: adopt these scales or replace them, then approve the method (aims risk-method add)]" in out
    assert "Risks rated medium or lower (low, medium) may be accepted by the risk owner" in out


_CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@given(st.lists(st.lists(_CELL_TEXT, min_size=2, max_size=2), min_size=1, max_size=4))
def test_table_cells_survive_the_markdown_the_templates_write(rows: list[list[str]]) -> None:
    lines = ["| A | B |", "|---|---|", *(f"| {_cell(a)} | {_cell(b)} |" for a, b in rows)]
    (block,) = parse_markdown("\n".join(lines))
    assert isinstance(block, Table)
    assert block.headers == ("A", "B")
    assert [list(r) for r in block.rows] == [[" ".join(a.split()), " ".join(b.split())] for a, b in rows]


def test_a_reader_who_has_not_signed_in_is_not_named_as_author(empty_register: str) -> None:
    from openaims.register.identity import NOT_SIGNED_IN
    from openaims.reports.toolkit import render_template

    db = Database(empty_register)
    try:
        with db.read() as session:
            anonymous = render_template(session, Actor(NOT_SIGNED_IN), "ai-policy", organisation="Northwind Lending")
            named = render_template(session, Actor("maria"), "ai-policy", organisation="Northwind Lending")
    finally:
        db.dispose()
    assert anonymous.meta.author is None
    assert "author: not recorded" in anonymous.text()
    assert named.meta.author == "maria"
