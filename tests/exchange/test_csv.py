"""CSV export and import of risks, systems and SoA rows: round trip, create/update by id, stale versions, dry run."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openaims.register import history
from openaims.register.db import Database
from openaims.register.exchange import export_csv, import_csv
from openaims.register.exchange.csv_io import CsvProblem
from openaims.register.services import RiskService, SoaService, SystemService


def seed(database: Database) -> None:
    with database.session() as s:
        systems = SystemService(s, "maria")
        bot = systems.create({"name": "Support chatbot", "owner": "raj", "purpose": "Answer customers",
                              "intended_use": "Existing customers", "organisation_roles": ["deployer", "developer"],
                              "repositories": ["northwind/support-bot"]})  # fmt: skip
        systems.create({"name": "Credit scoring", "risk_tier": "high", "eu_ai_act": {"annex_iii": "5(b)"}})
        risks = RiskService(s, "maria")
        risk = risks.create({"title": "Wrong fee answers", "owner": "raj", "system_ids": [bot.id]})
        risks.transition(risk.id, risk.version, "assessed", {"inherent_likelihood": 4, "inherent_impact": 3})
        soa = SoaService(s, "maria")
        soa.create({"control_id": "A.6.2.4", "justification": "We verify our models"}, status="partial")
        soa.create({"control_id": "A.10.4", "applicable": False, "justification": "No business customers"},
                   status="excluded")  # fmt: skip


def dump(database: Database, record_type: str) -> str:
    out = io.StringIO()
    with database.read() as s:
        export_csv(s, record_type, out)
    return out.getvalue()


def load(database: Database, record_type: str, text: str, *, dry_run: bool = False) -> tuple[list[str], ...]:
    with database.session() as s:
        report = import_csv(s, record_type, io.StringIO(text), "sheet-user", dry_run=dry_run)
    return report.created, report.updated, report.unchanged


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_then_import_changes_nothing_and_lists_use_semicolons(database: Database) -> None:
    seed(database)
    systems = dump(database, "system")
    table = rows(systems)
    assert list(table[0])[:4] == ["id", "status", "version", "name"]
    assert table[0]["organisation_roles"] == "deployer; developer"
    assert table[1]["eu_ai_act"] == '{"annex_iii": "5(b)"}'
    with database.read() as s:
        events = history.verify(s).events
    for record_type in ("system", "risk", "soa"):
        text = dump(database, record_type)
        created, updated, unchanged = load(database, record_type, text)
        assert (created, updated) == ([], [])
        assert len(unchanged) == len(rows(text))
    with database.read() as s:
        assert history.verify(s).events == events


def test_rows_create_and_update_with_version_check_and_dry_run(database: Database) -> None:
    seed(database)
    table = rows(dump(database, "risk"))
    table[0]["description"] = "Fee schedule out of date"
    table.append({**dict.fromkeys(table[0], ""), "title": "Model drift", "owner": "sam", "system_ids": "SYS-2"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    assert load(database, "risk", out.getvalue(), dry_run=True) == (["RISK-2"], ["RISK-1"], [])
    with database.read() as s:
        assert [r.id for r in RiskService(s, "x").all()] == ["RISK-1"]
    assert load(database, "risks", out.getvalue()) == (["RISK-2"], ["RISK-1"], [])
    with database.read() as s:
        risk = RiskService(s, "x").get("RISK-1")
        new = RiskService(s, "x").get("RISK-2")
    assert (risk.description, risk.inherent_rating, risk.updated_by) == (
        "Fee schedule out of date",
        "high",
        "sheet-user",
    )
    assert (new.title, new.system_ids, new.status) == ("Model drift", ["SYS-2"], "identified")
    # The sheet still carries the old version of RISK-1: a second edit is refused, not overwritten.
    table[0]["description"] = "Someone else's edit"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table[:1])
    with pytest.raises(CsvProblem, match=r"line 2 \(RISK-1\): RISK-1 is at version 3, not 2") as caught:
        load(database, "risk", out.getvalue())
    assert caught.value.exit_code == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,title,colour\n,A,red\n", r"line 1: colour: not a field of risk"),
        ("id,title,inherent_likelihood\n,A,very\n", r"line 2: invalid risk: Inherent likelihood must be a whole number \(got 'very'\)"),
        ("id,title\nRISK-77,A\n", r"line 2 \(RISK-77\): id: RISK-77 does not exist"),
        ("id,title,system_ids\n,A,SYS-404\n", r"line 2: invalid risk: System IDs: SYS-404 does not exist"),
        ("", r"the CSV file is empty"),
    ],
)
def test_bad_rows_name_line_and_field_and_import_nothing(database: Database, text: str, message: str) -> None:
    with pytest.raises(CsvProblem, match=message):
        load(database, "risk", text)
    with database.read() as s:
        assert RiskService(s, "x").all() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20), max_size=5))
def test_list_cells_round_trip(values: list[str]) -> None:
    from openaims.register.exchange.csv_io import _cell, _parse

    kept = [v.strip() for v in values if v.strip() and ";" not in v]
    cell = _cell("list", kept)
    parsed = _parse(SystemService, {"repositories": "list"}, {"repositories": cell}, "line 2")
    assert parsed == {"repositories": kept}


@pytest.mark.parametrize("description", ["", "   ", "a, b; c", 'He said "no"', "two\nlines", "ünïcode ✓"])
def test_awkward_text_survives_a_round_trip(database: Database, description: str) -> None:
    with database.session() as s:
        created = SystemService(s, "maria").create({"name": "Bot", "description": description,
                                                    "repositories": ["a/b", "c"]})  # fmt: skip
    text = dump(database, "system")
    assert load(database, "system", text) == ([], [], [created.id])
