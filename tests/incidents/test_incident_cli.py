"""``aims incident playbook``, ``aims incident step`` and closing as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.lifecycle.kit import cleanup, evidence_dir
from tests.support.cli import run


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    folder = evidence_dir()
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(folder))
    yield folder
    cleanup(folder)


def test_a_high_incident_through_its_playbook(env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "incident", "add", "--title", "Prompt injection exposed chat history",
                       "--severity", "high", "--owner", "raj", "--serious-incident", "general")  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "incident", "playbook", "INC-1")
    assert code == 0
    assert "  1. triage                 to do: " in out
    assert "to close: a linked nonconformity ('aims incident raise-nonconformity INC-1')" in out
    assert "EU AI Act report (Serious incident) due " in out
    assert "Art. 73(2)): not yet reported" in out

    code, _, err = run(capsys, "incident", "update", "INC-1", "--status", "closed", "--post-incident-review", "done",
                       "--version", "1")  # fmt: skip
    assert code == 1
    assert err.count("aims incident step INC-1") == 4, err

    code, _, err = run(capsys, "incident", "step", "INC-1", "investigation", "--note", "Unfiltered tool output")
    assert code == 1
    assert "--attach INC-1" in err
    code, _, err = run(capsys, "incident", "step", "INC-1", "contain")
    assert code == 2
    assert "'contain' is not a step of the high playbook" in err

    logs = tmp_path / "conversation-logs.jsonl"
    logs.write_text('{"turn": 1}\n')
    assert run(capsys, "evidence", "add-file", str(logs), "--attach", "INC-1")[0] == 0
    review = ("A tool result carried instructions the model followed; tool output is now quoted and the agent "
              "may no longer call the export tool.")  # fmt: skip
    for args in (["triage", "--note", "Confirmed by Raj"], ["containment", "--note", "Export tool switched off"],
                 ["notification", "--note", "Reported to the authority", "--authority"],
                 ["investigation", "--note", "Unfiltered tool output"], ["recovery"],
                 ["post-incident-review", "--note", review]):  # fmt: skip
        code, out, err = run(capsys, "incident", "step", "INC-1", *args)
        assert code == 0, err
        assert out.startswith(f"Recorded {args[0]} on INC-1")
    assert run(capsys, "incident", "raise-nonconformity", "INC-1")[0] == 0
    code, out, _ = run(capsys, "incident", "playbook", "INC-1", "--format", "json")
    view = json.loads(out)
    assert [s["done_by"] for s in view["steps"]] == ["maria"] * 6
    assert view["to_close"] == []
    assert view["serious_incident"]["overdue"] is False
    code, out, _ = run(capsys, "incident", "show", "INC-1")
    assert "; reported to the authority " in out
    code, out, err = run(capsys, "incident", "update", "INC-1", "--status", "closed", "--version", "8")
    assert code == 0, err
