"""``aims readiness``: JSON, HTML and table output, views, changes since a previous run, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.readiness.kit import ready_register
from tests.support.cli import run

from openaims.register.db import Database


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    monkeypatch.delenv("AIMS_READINESS_FORMAT", raising=False)
    return db_url


def test_json_lists_every_clause_and_control_and_changes_with_records(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "readiness", "--format", "json")
    assert code == 0
    empty = json.loads(out)
    assert len(empty["items"]) == 70
    assert empty["items"][0]["id"] == "4.1"
    assert {i["status"] for i in empty["items"]} == {"missing", "partial"}
    previous = tmp_path / "previous.json"
    previous.write_text(out, encoding="utf-8")
    database = Database(cli_env)
    with database.session() as session:
        ready_register(session, tmp_path / "evidence")
    database.dispose()
    code, out, _ = run(capsys, "readiness", "--format", "json", "--since", str(previous))
    assert code == 0
    ready = json.loads(out)
    assert ready["totals"] == {"met": 70, "partial": 0, "missing": 0, "not_applicable": 0}
    assert {"id": "4.3", "from": "missing", "to": "met"} in ready["changes"]
    scope = next(i for i in ready["items"] if i["id"] == "4.3")
    assert scope["links"][0] == "SCOPE-1"


def test_html_and_views(capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path) -> None:
    target = tmp_path / "readiness.html"
    code, out, _ = run(capsys, "readiness", "--format", "html", "--framework", "nist-ai-rmf", "-o", str(target))
    assert code == 0
    html = target.read_text(encoding="utf-8")
    assert "<h1>AI management system readiness (nist-ai-rmf)</h1>" in html
    assert "MEASURE 2.3" in html
    code, out, _ = run(capsys, "readiness")
    assert code == 0
    assert "Score 0.7%: 0 met, 1 partial, 69 missing, 0 not applicable." in " ".join(out.split())


def test_bad_input_is_exit_2(capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, "readiness", "--date", "someday")
    assert (code, "is not a date" in err) == (2, True)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    code, _, err = run(capsys, "readiness", "--since", str(bad))
    assert (code, "is not a JSON readiness report" in err) == (2, True)
    code, _, err = run(capsys, "readiness", "--framework", "cobit")
    assert code == 2
    code, _, err = run(capsys, "readiness", "--output", str(tmp_path / "x.txt"))
    assert (code, "--output needs --format json or html" in err) == (2, True)
