"""Listing: filters (incl. membership in list fields), search, sorting and pagination."""

from __future__ import annotations

import pytest

from openaims.register.db import Database
from openaims.register.errors import RecordValidationError
from openaims.register.services import RiskService, SystemService, service_for_id


def _risks(database: Database) -> None:
    with database.session() as s:
        systems = SystemService(s, "alice")
        bot = systems.create({"name": "Chatbot"})
        scorer = systems.create({"name": "Scorer"})
        risks = RiskService(s, "alice")
        for n in range(1, 13):
            risks.create(
                {
                    "title": f"Risk {n:02d}" + (" prompt injection" if n % 4 == 0 else ""),
                    "owner": "bob" if n % 2 else "alice",
                    "system_ids": [bot.id] if n % 3 else [bot.id, scorer.id],
                }
            )


def test_filters_search_sort_and_pages(database: Database) -> None:
    _risks(database)
    with database.read() as s:
        risks = RiskService(s, "viewer")
        page = risks.list(limit=5)
        assert [r.id for r in page.items] == ["RISK-1", "RISK-2", "RISK-3", "RISK-4", "RISK-5"]
        assert page.total == 12
        last = risks.list(limit=5, offset=10)
        assert [r.id for r in last.items] == ["RISK-11", "RISK-12"]
        assert [r.id for r in risks.list(filters={"owner": "alice"}, sort="-title", limit=3).items] == [
            "RISK-12", "RISK-10", "RISK-8",
        ]  # fmt: skip
        assert [r.id for r in risks.list(filters={"system_ids": "SYS-2"}).items] == [
            "RISK-3", "RISK-6", "RISK-9", "RISK-12",
        ]  # fmt: skip
        assert [r.id for r in risks.list(q="PROMPT").items] == ["RISK-4", "RISK-8", "RISK-12"]
        assert [r.id for r in risks.list(filters={"status": ["identified"], "owner": "bob"}, limit=2).items] == [
            "RISK-1", "RISK-3",
        ]  # fmt: skip
        assert [r.id for r in risks.all(owner="bob", system_ids="SYS-2")] == ["RISK-3", "RISK-9"]


def test_bad_list_arguments_are_input_errors(database: Database) -> None:
    with database.read() as s:
        risks = RiskService(s, "viewer")
        with pytest.raises(RecordValidationError, match="Colour is not a field"):
            risks.list(filters={"colour": "red"})
        with pytest.raises(RecordValidationError, match="Limit must be 1 to 1000"):
            risks.list(limit=0)


def test_service_for_any_id() -> None:
    assert service_for_id("RISK-3") is RiskService
    assert service_for_id("SOA-A.6.2.4").record_type() == "soa_entry"


def test_range_and_null_filters_with_text_values(database: Database) -> None:
    from openaims.register.services import TreatmentService

    with database.session() as s:
        risk = RiskService(s, "alice").create({"title": "r"})
        treatments = TreatmentService(s, "alice")
        for due in ("2026-01-10", "2026-03-01", None):
            treatments.create({"risk_id": risk.id, "owner": "alice", "due_date": due})
    with database.read() as s:
        treatments = TreatmentService(s, "viewer")
        assert [t.id for t in treatments.all(due_date__lt="2026-02-01")] == ["TREAT-1"]
        assert [t.id for t in treatments.all(due_date__gte="2026-01-10")] == ["TREAT-1", "TREAT-2"]
        assert [t.id for t in treatments.all(due_date__isnull=True)] == ["TREAT-3"]
        assert [t.id for t in treatments.all(status__in=["planned"], due_date__ne="2026-01-10")] == [
            "TREAT-2", "TREAT-3",
        ]  # fmt: skip
        with pytest.raises(RecordValidationError, match="'soon' is not a valid date"):
            treatments.all(due_date__lt="soon")
        with pytest.raises(RecordValidationError, match="unknown filter 'like'"):
            treatments.all(due_date__like="2026")


def test_in_and_contains_filters_from_text(database: Database) -> None:
    _risks(database)
    with database.read() as s:
        risks = RiskService(s, "viewer")
        assert [r.id for r in risks.all(title__contains="injection", owner__in="alice, bob")] == [
            "RISK-4", "RISK-8", "RISK-12",
        ]  # fmt: skip
        assert [r.id for r in risks.all(owner__in="bob", title__contains="Risk 0")] == [
            "RISK-1", "RISK-3", "RISK-5", "RISK-7", "RISK-9",
        ]  # fmt: skip
