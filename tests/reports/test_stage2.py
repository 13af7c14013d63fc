"""Stage 2 support: ``aims readiness --stage2 ITEM -o FILE`` samples the records of a clause or control
with a recorded seed (or takes all when few) and writes a working paper with each sample's content
and evidence, as PDF, Word or Markdown; ``aims pack --scope stage2`` holds one per item."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from docx import Document as WordDocument
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.readiness.kit import ADMIN
from tests.support.cli import run

from openaims.readiness.engine import evaluate
from openaims.readiness.model import CheckResult, ItemResult, Report, Status
from openaims.readiness.snapshot import Snapshot, load_snapshot
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.reports import stage2
from openaims.reports.document import DocFormat, render
from openaims.reports.records import content

TODAY = dt.datetime.now(dt.UTC).date()


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def docx_text(data: bytes) -> str:
    word = WordDocument(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _sqlite_template: Path) -> Database:
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    for name in ("AIMS_PACK_SCOPE", "AIMS_PACK_AS_OF", "AIMS_READINESS_DATE", "AIMS_READINESS_FORMAT", "AIMS_ORGANISATION"):
        monkeypatch.delenv(name, raising=False)
    database = Database(f"sqlite:///{target}")
    with database.session() as session:
        load_demo(session, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    return database


def sample_plan(database: Database, tmp_path: Path, item: str, **kwargs: Any) -> stage2.Stage2Plan:
    with database.read() as session:
        snap = load_snapshot(session, ADMIN, today=TODAY, evidence_dir=tmp_path / "evidence")
    return stage2.plan(snap, evaluate(snap), item, organisation="Northwind Lending", **kwargs)


def test_a_seeded_sample_of_a_control_with_each_records_content_and_evidence(
    capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path
) -> None:
    target = tmp_path / "a624.pdf"
    code, out, err = run(capsys, "readiness", "--stage2", "a.6.2.4", "-o", str(target), "--seed", "7", "--sample", "3")
    assert code == 0, err
    assert "--seed 7 --sample 3" in out
    expected = sample_plan(sample, tmp_path, "A.6.2.4", seed=7, size=3)
    assert expected.method == "random"
    assert len(expected.population) > 3
    assert len(expected.samples) == 3
    word = tmp_path / "a624.docx"
    assert run(capsys, "readiness", "--stage2", "A.6.2.4", "-o", str(word), "--seed", "7", "--sample", "3")[0] == 0
    for text in (pdf_text(target), docx_text(word.read_bytes())):
        assert "Stage 2 working paper: A.6.2.4 Verification and validation" in text
        assert f"3 of {len(expected.population)} records drawn at random with seed 7" in text
        assert "Justification" in text
        for n, drawn in enumerate(expected.samples, start=1):
            assert f"Sample {n}: {drawn.record.id}" in text
            said = content(drawn.record, 4000)
            if said:
                assert " ".join(said.split())[:80] in text
            for evidence in drawn.evidence:
                assert evidence.id in text
        unsampled = [r for r in expected.population if r.id not in expected.sampled_ids]
        assert unsampled
        for record in unsampled:
            assert f"Sample 1: {record.id} " not in text
        assert "Auditee representative" in text
    # the same seed draws the same records; the recorded rerun command says how
    again = sample_plan(sample, tmp_path, "A.6.2.4", seed=7, size=3)
    assert again.sampled_ids == expected.sampled_ids


def test_few_records_are_all_tested_and_a_new_seed_is_recorded(
    capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path
) -> None:
    target = tmp_path / "clause.md"
    code, out, err = run(capsys, "readiness", "--stage2", "4.2", "-o", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    seed = re.search(r"--seed (\d+)", out)
    assert seed is not None
    assert f"Seed: {seed.group(1)}." in text
    result = sample_plan(sample, tmp_path, "4.2", seed=int(seed.group(1)))
    assert result.method == "all"
    assert f"All {len(result.population)} records are tested" in text
    assert {s.record.id for s in result.samples} == {r.id for r in result.population}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stage2", "A.9.9", "-o", "x.pdf"], "'A.9.9' is not a clause or Annex A control of ISO/IEC 42001"),
        (["--stage2", "A.6.2.4"], "give the file to write with -o FILE.pdf"),
        (["--stage2", "A.6.2.4", "-o", "x.txt"], "name a .pdf, .docx or .md file"),
        (["--stage2", "A.6.2.4", "-o", "x.pdf", "--sample", "0"], "--sample 0: give a number of records from 1"),
        (["--stage2", "A.6.2.4", "-o", "x.pdf", "--seed", "-1"], "--seed -1: give a whole number"),
        (["--seed", "3"], "--seed and --sample go with --stage2"),
    ],
)
def test_bad_stage2_input_is_one_line(
    capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "readiness", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()


def test_a_stage2_pack_holds_a_working_paper_per_item_drawn_with_the_packs_day(
    capsys: pytest.CaptureFixture[str], sample: Database, tmp_path: Path
) -> None:
    pack = tmp_path / "stage2.zip"
    code, _, err = run(capsys, "pack", "-o", str(pack), "--scope", "stage2", "--as-of", TODAY.isoformat())
    assert code == 0, err
    with zipfile.ZipFile(pack) as archive:
        names = set(archive.namelist())
        index = archive.read("stage2/sampling.md").decode()
        pdf = tmp_path / "paper.pdf"
        pdf.write_bytes(archive.read("stage2/A.6.2.4 Verification and validation.pdf"))
        word = archive.read("stage2/A.6.2.4 Verification and validation.docx")
    seed = int(TODAY.strftime("%Y%m%d"))
    assert f"Seed {seed} for every item" in index
    expected = sample_plan(sample, tmp_path, "A.6.2.4", seed=seed)
    row = next(line for line in index.splitlines() if line.startswith("| A.6.2.4 "))
    assert ", ".join(s.record.id for s in expected.samples) in row
    for text in (pdf_text(pdf), docx_text(word)):
        for drawn in expected.samples:
            assert f"{drawn.record.id} " in text
    assert {n for n in names if n.startswith("stage2/") and n.endswith(".pdf")}
    code, _, err = run(capsys, "pack", "verify", str(pack))
    assert code == 0, err


# ----------------------------------------------------------------------------- properties of the draw
@dataclass
class Fake:
    id: str
    record_type: str
    status: str = "active"
    fields: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None


def fake_register(n: int) -> tuple[Snapshot, Report]:
    risks = tuple(Fake(f"RISK-{i}", "risk", fields={"title": f"risk {i}", "description": f"what risk {i} is"})
                  for i in range(1, n + 1))  # fmt: skip
    evidence = tuple(
        Fake(f"EVD-{i}", "evidence", fields={
            "title": f"proof {i}", "kind": "link", "url": f"https://example.org/{i}", "record_ids": [f"RISK-{i}"],
            "description": None, "created_by": "raj", "created_at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        })
        for i in range(1, n + 1, 2)
    )  # fmt: skip
    links = tuple(r.id for r in risks) + tuple(e.id for e in evidence)
    item = ItemResult("iso42001", "6.1.2", "clause", "Risk assessment", "6", Status.MET,
                      (CheckResult("risks", Status.MET, "risks assessed", links),))  # fmt: skip
    return Snapshot({"risk": risks, "evidence": evidence}, TODAY), Report(TODAY, (item,), "1.0.0")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 80), size=st.none() | st.integers(1, 30), seed=st.integers(0, 2**63 - 1))
def test_the_draw_is_reproducible_and_takes_all_when_few(n: int, size: int | None, seed: int) -> None:
    snap, report = fake_register(n)
    result = stage2.plan(snap, report, "6.1.2", organisation="Org", seed=seed, size=size)
    ids = [s.record.id for s in result.samples]
    population = [r.id for r in result.population]
    # evidence attached to a risk travels with it; it is not drawn on its own
    assert population == [f"RISK-{i}" for i in range(1, n + 1)]
    wanted = size if size is not None else stage2.default_size(n)
    assert len(ids) == min(n, wanted) == len(set(ids))
    assert set(ids) <= set(population)
    assert result.method == ("all" if n <= wanted else "random")
    assert [s.record.id for s in stage2.plan(snap, report, "6.1.2", organisation="Org", seed=seed, size=size).samples] == ids
    for drawn in result.samples:
        number = int(drawn.record.id.split("-")[1])
        assert [e.id for e in drawn.evidence] == ([f"EVD-{number}"] if number % 2 else [])
    if n <= 12:
        text = render(stage2.to_document(result), DocFormat.MD).decode()
        assert (f"Sample 1: {ids[0]} " in text) if ids else "GAP: no records support 6.1.2" in text
