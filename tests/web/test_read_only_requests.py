"""GET requests read in read-only transactions: a handler that tries to write fails and leaves nothing,
while the sign-in bookkeeping of a GET (last request of a session, last use of a token) still happens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from tests.web.conftest import ADMIN, Hub, client

from openaims.register.models.accounts import ApiToken, WebSession
from openaims.register.services import SystemService
from openaims.web.deps import DbSession


def _add_writing_routes(hub: Hub) -> None:
    def sneak(session: DbSession) -> dict[str, str]:
        return {"id": SystemService(session, ADMIN).create({"name": "Written by a read"}).id}

    hub.app.add_api_route("/test/sneak", sneak, methods=["GET", "POST"])


def _names(hub: Hub) -> list[str]:
    with hub.db.read() as s:
        return [r.name for r in SystemService(s, ADMIN).all()]


def test_a_get_handler_that_writes_fails_and_writes_nothing(hub: Hub) -> None:
    _add_writing_routes(hub)
    browser = client(hub.app)
    browser_raises = type(browser)(hub.app, raise_server_exceptions=False)
    assert browser_raises.get("/test/sneak").status_code == 500
    assert "Written by a read" not in _names(hub)
    # The same handler on a method that may write does write: the refusal came from the transaction.
    assert browser.post("/test/sneak").status_code == 200
    assert _names(hub).count("Written by a read") == 1


def _last_seen(hub: Hub) -> list[dt.datetime]:
    with hub.db.read() as s:
        return [r.last_seen_at for r in s.execute(select(WebSession)).scalars()]


def test_a_get_still_records_the_sessions_last_request_and_ends_an_idle_one(hub: Hub) -> None:
    browser, _csrf = hub.session_client("mia")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with hub.db.session() as s:
        s.execute(update(WebSession).values(last_seen_at=long_ago))
    assert browser.get("/").status_code == 200
    (seen,) = _last_seen(hub)
    assert seen > long_ago + dt.timedelta(minutes=4)

    with hub.db.session() as s:  # idle for longer than the idle time: the GET ends the session
        s.execute(update(WebSession).values(last_seen_at=long_ago - dt.timedelta(days=1)))
    response = browser.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert _last_seen(hub) == []


def test_a_get_with_an_api_token_records_its_use(hub: Hub) -> None:
    api = hub.api("vic", ("read",))
    assert api.get("/api/v1/records/system").status_code == 200
    with hub.db.read() as s:
        used = [t.last_used_at for t in s.execute(select(ApiToken)).scalars()]
    assert len(used) == 1
    assert used[0] is not None
    assert dt.datetime.now(dt.UTC) - used[0] < dt.timedelta(minutes=1)
