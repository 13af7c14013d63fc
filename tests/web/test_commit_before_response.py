"""A write is stored before its response leaves: the page a redirect leads to (the dashboard
after signing in, a new record after its form) always finds it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from tests.web.conftest import PASSWORD, Hub, client, csrf_of

from openaims.register.models.accounts import WebSession
from openaims.register.models.risks import Risk


def _watching(hub: Hub, count: Any, seen: list[int]) -> Any:
    """``hub.app`` wrapped so that, as each POST's response starts, ``count`` is read from the
    register on a connection of its own (what the next request would see)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def watched_send(message: dict[str, Any]) -> None:
            if scope["type"] == "http" and scope["method"] == "POST" and message["type"] == "http.response.start":
                with hub.db.read() as session:
                    seen.append(int(session.execute(count).scalar_one()))
            await send(message)

        await hub.app(scope, receive, watched_send)

    return app


def test_the_sign_in_is_stored_before_the_redirect_to_the_dashboard_is_sent(hub: Hub) -> None:
    seen: list[int] = []
    c = client(_watching(hub, select(func.count()).select_from(WebSession), seen))
    page = c.get("/login")
    response = c.post("/login", data={"username": "mia", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert seen == [1]
    assert c.get("/").status_code == 200


def test_a_new_record_is_stored_before_the_redirect_to_its_page_is_sent(hub: Hub) -> None:
    seen: list[int] = []
    c = client(_watching(hub, select(func.count()).select_from(Risk), seen))
    csrf = csrf_of(c.get("/login").text)
    c.post("/login", data={"username": "mia", "password": PASSWORD, "csrf_token": csrf})
    before = seen[-1]
    form = c.get("/records/risk/new")
    response = c.post("/records/risk", data={"csrf_token": csrf_of(form.text), "title": "Voice agent leaks account details",
                                             "owner": "mia"})  # fmt: skip
    assert response.status_code == 303, response.text
    assert seen[-1] == before + 1
    assert c.get(response.headers["location"]).status_code == 200
