"""Where ``aims evidence add-file`` stores files: beside the register, never the working directory."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from tests.support.cli import run


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "inputs" / "fairness.md"
    path.parent.mkdir()
    path.write_text("# Fairness review\nDisparate impact ratio 0.91.\n")
    return path


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An unrelated working directory."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    monkeypatch.delenv("AIMS_EVIDENCE_DIR", raising=False)
    return folder


@pytest.fixture
def template(request: pytest.FixtureRequest) -> Path:
    """A migrated, empty SQLite register to copy."""
    path: Path = request.getfixturevalue("_sqlite_template")
    return path


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    """An empty register on the test PostgreSQL server."""
    from openaims.register.testing import reset_database

    url: str = request.getfixturevalue("_postgres_register")
    reset_database(url)
    return url


def _stored(report: Path) -> Path:
    sha = hashlib.sha256(report.read_bytes()).hexdigest()
    return Path(sha[:2]) / sha


def test_an_sqlite_register_keeps_evidence_beside_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    elsewhere: Path,
    report: Path,
    template: Path,
) -> None:
    registers = tmp_path / "registers"
    registers.mkdir()
    shutil.copyfile(template, registers / "team.db")
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{registers / 'team.db'}")
    code, out, err = run(capsys, "evidence", "add-file", str(report), "--format", "json")
    assert code == 0, err
    assert (registers / "evidence" / _stored(report)).read_bytes() == report.read_bytes()
    assert list(elsewhere.iterdir()) == []
    assert json.loads(out)["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()


def test_aims_evidence_dir_puts_it_where_it_says(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    elsewhere: Path,
    report: Path,
    template: Path,
) -> None:
    shutil.copyfile(template, tmp_path / "aims.db")
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'aims.db'}")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "store"))
    code, _, err = run(capsys, "evidence", "add-file", str(report))
    assert code == 0, err
    assert (tmp_path / "store" / _stored(report)).is_file()
    assert not (tmp_path / "evidence").exists()


@pytest.mark.postgres
def test_a_postgresql_register_needs_the_folder_named(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    elsewhere: Path,
    report: Path,
    postgres_url: str,
) -> None:
    monkeypatch.setenv("AIMS_DATABASE_URL", postgres_url)
    code, _, err = run(capsys, "evidence", "add-file", str(report))
    assert code == 2
    assert err.count("\n") == 1
    assert "AIMS_EVIDENCE_DIR is required with a PostgreSQL register" in err
    assert list(elsewhere.iterdir()) == []
    code, _, err = run(capsys, "system", "add", "--name", "Support chatbot", "--owner", "alice")
    assert code == 0, err
