"""Values no database could store are refused naming the field, on SQLite and PostgreSQL
alike: text with a NUL character or half a surrogate pair (both reach the API as JSON
escapes), structured fields nested too deep or too large. Nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from tests.register.kit import svc

from openaims.register.db import Database
from openaims.register.errors import RecordValidationError
from openaims.register.services import SystemService

DEEP: Any = {"a": 1}
for _ in range(40):
    DEEP = {"a": DEEP}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("nul-in-text", {"name": "Chat\x00bot"}, "Name contains a NUL character"),
    ("surrogate-in-text", {"name": "Chat \ud800 bot"}, "Name contains half of a surrogate pair"),
    ("nul-in-a-list", {"name": "Chat", "repositories": ["a\x00b"]}, "Repositories contains a NUL character"),
    ("nul-in-a-key", {"name": "Chat", "eu_ai_act": {"a\x00": 1}}, "EU AI Act contains a NUL character"),
    ("deep-structured-field", {"name": "Chat", "eu_ai_act": DEEP}, "EU AI Act nested deeper than 32 levels"),
    (
        "huge-structured-field",
        {"name": "Chat", "eu_ai_act": {"answers": list(range(100_001))}},
        "EU AI Act holds more than 100000 values",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), CASES, ids=[c[0] for c in CASES])
def test_unstorable_values_are_refused_by_field(database: Database, name: str, data: dict[str, Any], message: str) -> None:
    with database.session() as s:
        with pytest.raises(RecordValidationError) as caught:
            svc(s, SystemService).create(data)
        assert message in caught.value.message
        assert caught.value.exit_code == 2
    with database.session() as s:
        assert svc(s, SystemService).list().total == 0


def test_unstorable_values_are_refused_on_update(database: Database) -> None:
    with database.session() as s:
        system = svc(s, SystemService).create({"name": "Chat"})
    with database.session() as s, pytest.raises(RecordValidationError, match="Name contains a NUL character"):
        svc(s, SystemService).update(system.id, system.version, {"name": "x\x00"})
    with database.session() as s:
        assert svc(s, SystemService).get(system.id).name == "Chat"
