"""Damage detection: every record, account and token is checked against its last event, and a
damaged database is reported, never a crash (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select, text

from openaims.register import history
from openaims.register.actors import Actor, Role
from openaims.register.db import Database, sqlite_path
from openaims.register.integrity import Finding, IntegrityReport, verify_register
from openaims.register.models.systems import AISystem
from openaims.register.services import RiskService, SystemService
from openaims.register.services.accounts import AccountService

ROOT = Actor("root", roles=frozenset({Role.ADMIN}))
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
POSTGRES_ONLY = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def _register(database: Database) -> None:
    """SYS-1 and RISK-1 (created, then updated); accounts root (admin) and raj (contributor) with a token."""
    with database.session() as s:
        SystemService(s, "alice").create({"name": "Chatbot", "owner": "alice", "purpose": "Support"})
        risks = RiskService(s, "alice")
        risk = risks.create({"title": "Wrong answers", "system_ids": ["SYS-1"]})
        risks.update(risk.id, risk.version, {"description": "Refund amounts invented"})
        AccountService(s, None).create("root", None, roles=["admin"])
        admins = AccountService(s, ROOT)
        admins.create("raj", None, roles=["contributor"], display_name="Raj Patel")
        admins.issue_token("raj", "ci", ["read"])


def _check(database: Database) -> IntegrityReport:
    with database.read() as s:
        return verify_register(s)


def _sql(database: Database, *statements: str, **params: object) -> None:
    with database.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)


def _found(report: IntegrityReport, area: str) -> dict[str, str]:
    return {f.subject: f.message for f in report.findings if f.area == area}


def test_an_untouched_register_passes_every_check(database: Database) -> None:
    _register(database)
    report = _check(database)
    assert report.ok, report.findings
    assert [a.area for a in report.areas] == ["storage", "schema", "history", "records", "accounts", "checkpoints"]
    assert report.area("records").summary == "2 of 2 records match their last event"
    assert report.area("accounts").summary == "2 accounts and 1 API tokens checked against their events"
    assert report.chain is not None
    assert report.chain.events == 6


def test_a_field_edited_in_the_record_table_is_named(database: Database) -> None:
    _register(database)
    _sql(database, "UPDATE risks SET description = 'Nothing happened' WHERE id = 'RISK-1'")
    report = _check(database)
    assert not report.ok
    assert report.chain is not None
    assert report.chain.ok
    found = _found(report, "records")
    assert list(found) == ["RISK-1"]
    assert found["RISK-1"].startswith(
        "changed outside OpenAIMS: description is 'Nothing happened', recorded 'Refund amounts invented' "
        "(its last event is #3 (update by alice at "
    )


def test_every_record_changed_outside_the_services_is_reported(database: Database) -> None:
    _register(database)
    _sql(
        database,
        "UPDATE risks SET status = 'accepted', version = 7 WHERE id = 'RISK-1'",
        "UPDATE ai_systems SET owner = 'mallory' WHERE id = 'SYS-1'",
    )
    found = _found(_check(database), "records")
    assert sorted(found) == ["RISK-1", "SYS-1"]
    assert "status is 'accepted', recorded 'identified'; version is 7, recorded 2" in found["RISK-1"]
    assert "owner is 'mallory', recorded 'alice'" in found["SYS-1"]


def test_a_record_written_without_an_event_is_named(database: Database) -> None:
    _register(database)
    with database.session() as s:
        row = dict(s.execute(select(AISystem.__table__).where(AISystem.__table__.c.id == "SYS-1")).mappings().one())
        s.execute(insert(AISystem.__table__).values({**row, "id": "SYS-9", "name": "Shadow AI"}))
    found = _found(_check(database), "records")
    assert found == {"SYS-9": "has no history event: it was written outside OpenAIMS, or its history was removed"}


def test_a_record_row_deleted_outside_the_services_is_named(database: Database) -> None:
    _register(database)
    _sql(database, "DELETE FROM risks WHERE id = 'RISK-1'")
    found = _found(_check(database), "records")
    assert list(found) == ["RISK-1"]
    assert found["RISK-1"].startswith("is missing: its last event #3 (update by alice at ")


def test_an_emptied_history_beside_existing_records_is_caught(database: Database) -> None:
    _register(database)
    _sql(database, "DELETE FROM history_events", "DELETE FROM history_head")
    report = _check(database)
    assert not report.ok
    found = _found(report, "records")
    assert found["register"] == (
        "the history holds no event for any of its 2 records: the history was emptied or the records "
        "were loaded outside OpenAIMS"
    )
    assert {"RISK-1", "SYS-1"} <= set(found)
    assert set(_found(report, "accounts")) == {"account 'raj'", "account 'root'", "API token " + _token_id(database)}


def _token_id(database: Database) -> str:
    with database.read() as s:
        return AccountService(s, ROOT).tokens()[0].id


def test_raising_an_account_to_admin_in_the_database_is_named(database: Database) -> None:
    _register(database)
    _sql(database, """UPDATE accounts SET roles = '["admin"]' WHERE username = 'raj'""")
    found = _found(_check(database), "accounts")
    assert list(found) == ["account 'raj'"]
    assert found["account 'raj'"].startswith(
        "changed outside OpenAIMS: roles is ['admin'], recorded ['contributor'] (its last event is #5 (create by root"
    )


def test_accounts_created_reactivated_or_deleted_outside_the_services_are_named(database: Database) -> None:
    _register(database)
    with database.session() as s:
        AccountService(s, ROOT).deactivate("raj")
    _sql(
        database,
        "UPDATE accounts SET active = true WHERE username = 'raj'",
        "INSERT INTO accounts (username, display_name, roles, active, created_at) "
        """VALUES ('mallory', 'M', '["admin"]', true, :at)""",
        at="2026-01-01 00:00:00",
    )
    found = _found(_check(database), "accounts")
    token = "API token " + _token_id(database)
    assert set(found) == {"account 'raj'", "account 'mallory'"}
    assert "active is True, recorded False" in found["account 'raj'"]
    assert found["account 'mallory'"] == "has no history event: it was created outside OpenAIMS"
    _sql(database, f"UPDATE api_tokens SET revoked_at = NULL WHERE id = '{token.split()[-1]}'")
    found = _found(_check(database), "accounts")
    assert "was revoked by event #7 but is active again" in found[token]


def test_a_widened_token_and_a_token_made_outside_the_services_are_named(database: Database) -> None:
    _register(database)
    token = _token_id(database)
    _sql(
        database,
        f"""UPDATE api_tokens SET scopes = '["read", "write"]', expires_at = :never WHERE id = '{token}'""",
        "INSERT INTO api_tokens (id, name, token_hash, username, scopes, created_at) "
        """VALUES ('TOK-forged', 'x', :h, 'raj', '["write"]', :at)""",
        h="0" * 64,
        at="2026-01-01 00:00:00",
        never="2099-01-01 00:00:00",
    )
    found = _found(_check(database), "accounts")
    assert "scopes are ['read', 'write'], issued with ['read']" in found[f"API token {token}"]
    assert "expires 2099-01-01T00:00:00+00:00, issued to expire never" in found[f"API token {token}"]
    assert found["API token TOK-forged"] == "of 'raj' has no history event: it was created outside OpenAIMS"


UNREADABLE = {
    "invalid JSON": ("'{\"title\": '", "is not valid JSON"),
    "empty": ("''", "is empty"),
    "NaN": ("'{\"title\": NaN}'", "holds NaN, which JSON does not allow"),
    "300 levels deep": ("'" + "[" * 300 + "]" * 300 + "'", "is nested deeper than 100 levels"),
    "not a JSON text": ("'12'", "no longer matches its hash"),
}


@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_an_unreadable_event_payload_is_reported_not_raised(database: Database, kind: str) -> None:
    _register(database)
    value, reason = UNREADABLE[kind]
    _sql(database, f"UPDATE history_events SET after = {value} WHERE seq = 3")
    report = _check(database)
    assert not report.ok
    assert report.chain is not None
    assert report.chain.problem is not None
    assert report.chain.problem.seq == 3
    assert reason in _found(report, "history")["event #3"]
    assert _found(report, "records") == {}  # RISK-1's last event is the unreadable one: not a second finding
    with database.read() as s, pytest.raises(history.DamagedHistoryError, match="event #3 cannot be read"):
        history.events_for(s, "RISK-1")


@SQLITE_ONLY  # PostgreSQL text columns cannot hold binary data
def test_binary_event_payload_is_reported(database: Database) -> None:
    _register(database)
    _sql(database, "UPDATE history_events SET after = X'00FF10' WHERE seq = 3")
    report = _check(database)
    assert "its stored 'after' record is binary data, not UTF-8 text" in _found(report, "history")["event #3"]


@contextlib.contextmanager
def _table_renamed(database: Database, table: str) -> Iterator[None]:
    _sql(database, f"ALTER TABLE {table} RENAME TO {table}_gone")
    try:
        yield
    finally:
        _sql(database, f"ALTER TABLE {table}_gone RENAME TO {table}")


def test_a_missing_history_head_table_is_reported(database: Database) -> None:
    _register(database)
    with _table_renamed(database, "history_head"):
        report = _check(database)
    assert _found(report, "schema") == {"table history_head": "is missing: it was dropped outside OpenAIMS"}
    assert report.chain is not None
    assert report.chain.ok


def test_a_missing_history_events_table_is_reported(database: Database) -> None:
    _register(database)
    with _table_renamed(database, "history_events"):
        report = _check(database)
    assert _found(report, "schema") == {"table history_events": "is missing: it was dropped outside OpenAIMS"}
    assert report.chain is None
    assert report.area("records").skipped
    assert _found(report, "records") == {}


def test_a_record_row_holding_what_no_service_writes_is_named(database: Database) -> None:
    _register(database)
    if database.dialect == "sqlite":
        _sql(database, "UPDATE risks SET created_at = 'not a date' WHERE id = 'RISK-1'")
        expected = "its row cannot be read"
    else:
        _sql(database, "UPDATE risks SET status = '' WHERE id = 'RISK-1'")
        expected = "status is '', recorded 'identified'"
    found = _found(_check(database), "records")
    assert list(found) == ["RISK-1"]
    assert expected in found["RISK-1"]


@SQLITE_ONLY
def test_sqlite_file_damage_is_found_by_integrity_check(database: Database) -> None:
    _register(database)
    database.dispose()
    path = sqlite_path(database.url)
    assert path is not None
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_history_events_actor'").fetchone()
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    finally:
        connection.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size + 8)
        handle.write(b"\x5a" * 512)
    report = _check(database)
    storage = [f for f in report.findings if f.area == "storage"]
    assert storage, report.findings
    assert all(f.message.startswith("PRAGMA integrity_check: ") for f in storage)
    assert report.area("storage").summary == "SQLite PRAGMA integrity_check and foreign_key_check"


@POSTGRES_ONLY
def test_postgres_checks_what_the_server_can(database: Database) -> None:
    _register(database)
    _sql(database, "CREATE EXTENSION IF NOT EXISTS amcheck")
    report = _check(database)
    assert report.ok, report.findings
    summary = report.area("storage").summary
    assert summary.startswith("PostgreSQL: data checksums ")
    assert "amcheck on " in summary
    assert "references checked" in summary
    _sql(
        database,
        "SET session_replication_role = replica",
        "UPDATE risks SET method_id = 'METHOD-99' WHERE id = 'RISK-1'",
    )
    found: list[Finding] = [f for f in _check(database).findings if f.area == "storage"]
    assert [(f.subject, f.message) for f in found] == [
        ("table risks", "1 row(s) refer in method_id to risk_methods rows that do not exist")
    ]

