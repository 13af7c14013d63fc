"""Recording scans: new components wait for review, gone ones are flagged, returning ones come back."""

from __future__ import annotations

import datetime as dt

from openaims.register import history
from openaims.register.db import Database
from openaims.register.services import ComponentService, SystemService

REPO = "https://git.example.org/acme/support-bot"
T1 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 5, 2, 9, 0, tzinfo=dt.UTC)
T3 = dt.datetime(2026, 5, 3, 9, 0, tzinfo=dt.UTC)


def _item(name: str, provider: str = "openai") -> dict[str, object]:
    return {"kind": "dependency", "name": name, "ecosystem": "pypi", "provider": provider, "fingerprint": f"fp-{name}"}


def test_scan_sync_creates_flags_and_restores(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "ci").propose("support-bot", REPO)
        first = ComponentService(s, "ci").sync(REPO, [_item("openai"), _item("langchain", "langchain")],
                                               seen_at=T1, system_id=system.id)  # fmt: skip
    assert (first.created, first.disappeared, first.seen_again) == (["COMP-1", "COMP-2"], [], [])
    assert system.status == "proposed"

    with database.session() as s:
        second = ComponentService(s, "ci").sync(REPO, [_item("openai")], seen_at=T2)
    assert (second.created, second.disappeared, second.seen_again) == ([], ["COMP-2"], ["COMP-1"])

    with database.session() as s:
        third = ComponentService(s, "ci").sync(REPO, [_item("openai"), _item("langchain", "langchain")], seen_at=T3)
        components = {c.id: c for c in ComponentService(s, "ci").all(repository=REPO)}
        unreviewed = [c.id for c in ComponentService(s, "ci").unreviewed(REPO)]
        events = [(e.record_id, e.action) for e in history.query(s, record_type="component", newest_first=False).items]
    assert third.reappeared == ["COMP-2"]
    assert (components["COMP-1"].first_seen, components["COMP-1"].last_seen) == (T1, T3)
    assert (components["COMP-2"].disappeared, components["COMP-2"].last_seen) == (False, T3)
    assert components["COMP-1"].system_id == "SYS-1"
    assert unreviewed == ["COMP-1", "COMP-2"]
    # Seeing a component again is not a change anyone made: no history event for it.
    assert events == [("COMP-1", "create"), ("COMP-2", "create"), ("COMP-2", "update"), ("COMP-2", "update")]
    with database.read() as s:
        assert history.verify(s).ok
