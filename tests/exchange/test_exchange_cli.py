"""aims demo-data, export, import and csv from the command line: output, files and exit codes."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from tests.support.cli import run

from openaims.register.demo_sample import plant_leaked_key


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_demo_export_import_export_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIMS_ACTOR", "ci")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    first = f"sqlite:///{tmp_path / 'first.db'}"
    second = f"sqlite:///{tmp_path / 'second.db'}"
    monkeypatch.setenv("AIMS_DATABASE_URL", first)
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "demo-data", "--today", "2026-05-04")
    assert code == 0
    assert "Loaded Northwind Lending: " in out
    assert "Inventory: sample-monorepo: " in out
    assert "password 'demo-password-1'" in out
    code, _, err = run(capsys, "demo-data", "--today", "2026-05-04")
    assert code == 1
    assert "already holds records" in err
    # The demo made sign-in accounts: the register now takes changes from a signed-in account only.
    monkeypatch.delenv("AIMS_ACTOR")
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr("sys.stdin", io.StringIO("demo-password-1\n"))
    assert run(capsys, "login", "maria", "--password-stdin")[0] == 0
    # The same tree the demo scanned: the sample with the hard-coded key the demo plants in it.
    sample = tmp_path / "sample-monorepo"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "sample-monorepo", sample)
    plant_leaked_key(sample)
    code, out, _ = run(capsys, "inventory", "sync", str(sample))
    assert code == 0
    assert re.match(r"sample-monorepo: 0 new, [1-9]\d* seen again, 0 reappeared, 0 disappeared, ", out), out
    code, out, _ = run(capsys, "history", "verify")
    assert (code, out.split(":")[0]) == (0, "History intact")
    code, out, _ = run(capsys, "export", str(tmp_path / "out"))
    assert code == 0
    assert out.startswith("Exported ")
    assert (tmp_path / "out" / "soa_entry" / "SOA-A.6.2.4.yaml").is_file()

    monkeypatch.setenv("AIMS_DATABASE_URL", second)
    monkeypatch.setenv("AIMS_ACTOR", "ci")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence2"))
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "import", str(tmp_path / "out"), "--dry-run")
    assert code == 0
    assert "Dry run: would restore the register as exported: " in out
    code, out, _ = run(capsys, "risk", "list", "--format", "json")
    assert '"total": 0' in out
    code, out, _ = run(capsys, "import", str(tmp_path / "out"))
    assert code == 0
    assert out.startswith("Restored the register as exported: ")
    assert run(capsys, "export", str(tmp_path / "again"))[0] == 0
    assert files(tmp_path / "again") == files(tmp_path / "out")
    assert run(capsys, "history", "verify")[0] == 0

    code, out, _ = run(capsys, "csv", "export", "soa")
    assert code == 0
    assert out.splitlines()[0].startswith("id,status,version,control_id,title,applicable,justification")
    assert len(out.splitlines()) == 39
    sheet = tmp_path / "risks.csv"
    assert run(capsys, "csv", "export", "risk", "-o", str(sheet))[0] == 0
    risks = len(json.loads(run(capsys, "risk", "list", "--format", "json")[1])["items"])
    assert risks >= 6
    code, out, _ = run(capsys, "csv", "import", "risk", str(sheet), "--dry-run")
    assert (code, out.strip()) == (0, f"Dry run: risk: would create 0, would update 0, unchanged {risks}")
    sheet.write_text("id,title,inherent_impact\n,New risk,enormous\n", encoding="utf-8")
    code, _, err = run(capsys, "csv", "import", "risk", str(sheet))
    assert code == 2
    assert "line 2: invalid risk: Inherent impact must be a whole number (got 'enormous')" in err
    code, _, err = run(capsys, "csv", "import", "spaceship", str(sheet))
    assert (code, "'spaceship' is not a record type" in err) == (2, True)
    code, _, err = run(capsys, "import", str(tmp_path))
    assert code == 2
    assert "is not an OpenAIMS register export" in err
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "x.txt").write_text("mine")
    code, _, err = run(capsys, "export", str(tmp_path / "notes"))
    assert code == 2
    assert "holds no earlier export" in err
