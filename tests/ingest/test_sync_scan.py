"""Scan ingest: components by key, first/last seen, disappeared and back, review flags, proposed systems."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.support.cli import run

from openaims.discovery.interface import Finding, FindingKind
from openaims.register import history
from openaims.register.db import Database
from openaims.register.ingest import sync_scan
from openaims.register.services import ComponentService, SystemService

REPO = "git@example.org:northwind/support-bot.git"
T1 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(days=1)
T3 = T1 + dt.timedelta(days=2)
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-monorepo"


def dep(name: str, path: str = "pyproject.toml", line: int = 7) -> Finding:
    return Finding(FindingKind.DEPENDENCY, name, path, line, "dependency.pypi", ecosystem="pypi", provider=name,
                   version="1.40.0")  # fmt: skip


def key_value() -> str:
    return "sk-" + "proj-" + "Ab3" * 14


def secret(fingerprint: str, path: str = "settings.py") -> Finding:
    value = key_value()
    return Finding(FindingKind.SECRET, "openai-project-key", path, 3, "secret.openai", provider="openai",
                   redacted=value[:8] + "..." + value[-4:], fingerprint=fingerprint,
                   details={"key_type": "openai-project-key"})  # fmt: skip


def names(database: Database) -> dict[str, tuple[str, bool, dt.datetime | None, dt.datetime | None]]:
    with database.read() as s:
        return {c.name: (c.status, c.disappeared, c.first_seen, c.last_seen)
                for c in ComponentService(s, "x").all(repository=REPO)}  # fmt: skip


def test_new_seen_again_disappeared_reappeared_and_idempotent(database: Database) -> None:
    with database.session() as s:
        first = sync_scan(s, "scanner", REPO, [dep("openai"), dep("openai", "requirements.txt", 2),
                                               dep("anthropic")], now=T1)  # fmt: skip
    assert (len(first.new), first.seen_again, first.disappeared) == (2, [], [])
    assert first.proposed_system is not None
    assert sorted(first.pending_review) == sorted(first.new)
    with database.read() as s:
        system = SystemService(s, "x").get(first.proposed_system)
        assert (system.status, system.repositories, system.name) == ("proposed", [REPO], "support-bot (discovered)")
        openai = ComponentService(s, "x").all(name="openai")[0]
        assert openai.details["locations"] == ["pyproject.toml:7", "requirements.txt:2"]
        assert openai.system_id == first.proposed_system
    assert names(database) == {"openai": ("pending", False, T1, T1), "anthropic": ("pending", False, T1, T1)}

    with database.read() as s:
        events = history.verify(s).events
    with database.session() as s:
        again = sync_scan(s, "scanner", REPO, [dep("openai"), dep("openai", "requirements.txt", 2),
                                               dep("anthropic")], now=T2)  # fmt: skip
    assert (again.new, again.disappeared, again.reappeared, again.proposed_system) == ([], [], [], None)
    assert sorted(again.seen_again) == sorted(first.new)
    with database.read() as s:
        assert history.verify(s).events == events  # only last_seen moved
    assert names(database) == {"openai": ("pending", False, T1, T2), "anthropic": ("pending", False, T1, T2)}

    with database.session() as s:
        gone = sync_scan(s, "scanner", REPO, [dep("openai")], now=T3)
    anthropic_id = next(i for i in first.new if i not in gone.seen_again)
    assert gone.disappeared == [anthropic_id]
    assert names(database)["anthropic"] == ("pending", True, T1, T2)
    assert anthropic_id not in gone.pending_review

    with database.session() as s:
        back = sync_scan(s, "scanner", REPO, [dep("openai"), dep("anthropic")], now=T3 + dt.timedelta(hours=1))
    assert (back.reappeared, back.new, back.disappeared) == ([anthropic_id], [], [])
    assert names(database)["anthropic"] == ("pending", False, T1, T3 + dt.timedelta(hours=1))
    with database.read() as s:
        assert history.verify(s).ok


def test_existing_system_is_used_and_approved_components_are_not_flagged(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "maria").create({"name": "Support chatbot", "repositories": [REPO]})
        report = sync_scan(s, "scanner", REPO, [dep("openai")], now=T1)
        assert (report.proposed_system, report.system_id) == (None, system.id)
        components = ComponentService(s, "maria")
        openai = components.get(report.new[0])
        components.transition(openai.id, openai.version, "approved")
        report = sync_scan(s, "scanner", REPO, [dep("openai"), dep("anthropic")], now=T2)
    assert len(report.pending_review) == 1
    assert report.pending_review == report.new
    with database.session() as s:
        other = SystemService(s, "maria").create({"name": "Other"})
        explicit = sync_scan(s, "scanner", "elsewhere", [dep("openai")], system_id=other.id, now=T1)
    assert (explicit.system_id, explicit.proposed_system) == (other.id, None)


def test_secrets_are_recorded_by_fingerprint_only(database: Database) -> None:
    with database.session() as s:
        report = sync_scan(s, "scanner", REPO, [secret("fp-" + "1" * 16), secret("fp-" + "1" * 16, "other.py"),
                                               secret("fp-" + "2" * 16)], now=T1)  # fmt: skip
        assert len(report.new) == 2
        rows = [ComponentService(s, "x").get(i) for i in report.new]
        dumped = json.dumps([r.model_dump(mode="json") for r in rows])
        events = json.dumps([e.model_dump(mode="json") for i in report.new for e in history.events_for(s, i)])
    value = key_value()
    for text in (dumped, events):
        assert value not in text
        assert value[-4:] not in text
    assert {r.kind for r in rows} == {"secret"}
    assert {r.details["key_type"] for r in rows} == {"openai-project-key"}
    assert all(r.name.startswith("openai-project-key (") for r in rows)


def test_inventory_sync_and_scan_register_on_the_sample_repository(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'aims.db'}")
    monkeypatch.setenv("AIMS_ACTOR", "ci")
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "inventory", "sync", str(SAMPLE), "--repository", "northwind")
    assert code == 0
    assert out.startswith("northwind: ")
    assert "0 seen again" in out
    assert "proposed AI system SYS-1" in out
    code, out, err = run(capsys, "scan", str(SAMPLE), "--register", "--format", "json", "--no-progress")
    assert code == 0
    assert json.loads(out)["findings"]
    assert "Register: sample-monorepo: " in err
    code, _, err = run(capsys, "inventory", "sync", str(tmp_path / "missing"))
    assert code == 2
    assert "is not a directory" in err
    code, _, err = run(capsys, "inventory", "sync", str(SAMPLE), "--system", "SYS-99")
    assert code == 2
    assert "SYS-99" in err
