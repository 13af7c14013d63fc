"""aims review on the sample register: the chatbot's threat model, a scanned key as an item, red-team imports."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from tests.support.cli import run

from openaims.discovery.interface import ScanOptions
from openaims.discovery.scanner import Scanner
from openaims.register import open_register
from openaims.register.demo import load_demo
from openaims.register.demo_sample import LEAKED_KEY_FILE, plant_leaked_key
from openaims.register.services import SystemService

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-monorepo"
EXAMPLES = ROOT / "examples" / "redteam"


@pytest.fixture
def sample_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """The sample register as ``aims demo-data`` loads it (a scan of the sample with its planted key), in
    personal mode; the chatbot's id."""
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'aims.db'}")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    assert run(capsys, "init")[0] == 0
    copy = tmp_path / "sample-monorepo"
    shutil.copytree(SAMPLE, copy)
    plant_leaked_key(copy)
    findings = Scanner(ScanOptions(root=copy), jobs=1).scan().findings
    db = open_register()
    try:
        with db.session() as s:
            load_demo(s, today=dt.date(2026, 5, 4), evidence_dir=tmp_path / "evidence", scan_findings=findings,
                      accounts=False)  # fmt: skip
        with db.read() as s:
            return next(x.id for x in SystemService(s, "x").all() if x.name == "Customer support chatbot")
    finally:
        db.dispose()


def test_the_chatbot_review_proposes_its_threats_with_reasons_and_the_scanned_key_as_an_item(
    sample_register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "review", "start", sample_register, "--untrusted-input", "yes", "--acts-externally",
                         "yes", "--data", "personal", "--output", "shown", "--other-agents", "no", "--no-input")  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()

    def reasons(key: str) -> str:
        return next(line for line in lines if line.startswith(f"  {key}"))

    assert "questionnaire: untrusted input = yes" in reasons("owasp-llm:LLM01:2025 Prompt Injection")
    assert "language model or AI provider: COMP-" in reasons("owasp-llm:LLM01:2025 Prompt Injection")
    assert "key found by a scan: COMP-" in reasons("owasp-llm:LLM02:2025 Sensitive Information Disclosure")
    assert "questionnaire: data reachable = personal" in reasons("owasp-llm:LLM02:2025")
    assert "MCP server: COMP-" in reasons("owasp-llm:LLM06:2025 Excessive Agency")
    assert "questionnaire: acts externally = yes" in reasons("owasp-llm:LLM06:2025")
    key_items = [line for line in lines if line.startswith("  item: Hard-coded key: anthropic-api-key (")]
    assert key_items
    assert key_items[0].endswith(f"({LEAKED_KEY_FILE}:3) -> owasp-llm:LLM02:2025")

    code, out, _ = run(capsys, "review", "show", sample_register, "--format", "json")
    shown = json.loads(out)
    assert shown["status"] == "draft"
    assert {t["key"] for t in shown["threats"] if not t["applicable"]} >= {"owasp-agentic:T12", "owasp-agentic:T13"}


def test_importing_promptfoo_and_garak_results_stores_evidence_and_shows_pass_fail_per_category(
    sample_register: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "review", "start", sample_register, "--no-input")[0] == 0
    code, out, err = run(capsys, "review", "import-results", sample_register, str(EXAMPLES / "promptfoo-results.json"))
    assert code == 0, err
    assert "FAIL excessive-agency: 0 passed, 1 failed -> owasp-llm:LLM06:2025" in out
    code, out, err = run(capsys, "review", "import-results", sample_register, str(EXAMPLES / "garak.report.jsonl"),
                         "--format", "garak")  # fmt: skip
    assert code == 0, err
    assert "pass dan: 20 passed, 0 failed" in out

    code, out, _ = run(capsys, "review", "show", sample_register, "--format", "json")
    results = json.loads(out)["results"][-2:]  # the sample's own promptfoo run comes first
    assert [(r["format"], [(c["category"], c["passed"], c["failed"]) for c in r["categories"]]) for r in results] == [
        ("promptfoo", [("prompt-extraction", 1, 1), ("pii:direct", 1, 1), ("excessive-agency", 0, 1),
                       ("hijacking", 1, 0)]),
        ("garak", [("promptinject", 97, 3), ("dan", 20, 0), ("leakreplay", 18, 2)]),
    ]  # fmt: skip
    code, out, _ = run(capsys, "evidence", "list", "--format", "json")
    titles = {e["title"] for e in json.loads(out)["items"]}
    assert {"promptfoo results: promptfoo-results.json", "garak results: garak.report.jsonl"} <= titles

    code, out, _ = run(capsys, "review", "report", sample_register)
    assert "| excessive-agency | 0 | 1 | fail | owasp-llm:LLM06:2025 |" in out
    pdf = tmp_path / "review.pdf"
    assert run(capsys, "review", "report", sample_register, "--format", "pdf", "--output", str(pdf))[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_malformed_result_file_is_exit_2_naming_the_format_and_stores_nothing(
    sample_register: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "review", "start", sample_register, "--no-input")[0] == 0
    before = json.loads(run(capsys, "evidence", "list", "--format", "json")[1])["items"]
    bad = tmp_path / "report.jsonl"
    bad.write_text('{"entry_type": "init"}\n{"entry_type": "eval", "probe": "dan.X"}\n')
    code, _, err = run(capsys, "review", "import-results", sample_register, str(bad))
    assert code == 2
    assert err.strip().splitlines() == [
        "aims: error: report.jsonl: not a garak result file (line 2: an eval entry needs probe, passed and fails or "
        "total); expected a garak report (JSON Lines, one object with an 'entry_type' per line, with 'eval' entries)"
    ]
    assert json.loads(run(capsys, "evidence", "list", "--format", "json")[1])["items"] == before


def test_complete_with_undecided_threats_is_exit_1_listing_them(
    sample_register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "review", "start", sample_register, "--no-input")[0] == 0
    code, _, err = run(capsys, "review", "complete", sample_register)
    assert code == 1
    # The sample's reviewer decided prompt injection already; the rest are listed.
    assert "applicable threat(s) undecided: owasp-llm:LLM02:2025, owasp-llm:LLM03:2025" in err
    assert "LLM01" not in err
    code, _, err = run(capsys, "review", "start", sample_register, "--untrusted-input", "perhaps")
    assert (code, err.strip()) == (2, "aims: error: --untrusted-input: answer yes or no, not 'perhaps'")
