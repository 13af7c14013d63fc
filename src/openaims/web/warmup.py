"""The dashboard worked out while the server starts, before anyone signs in.

The first dashboard of a fresh process would otherwise pay for loading every record
service, the readiness rules and the framework catalogue, preparing the web framework's
routes, compiling the dashboard's queries and templates and evaluating readiness (seconds
on the sample register). The server does that work once, in a background thread, as soon
as it listens; the results land in the same caches the pages use (keyed by the history
chain's head, so any later write still makes the next dashboard recompute). A request that
arrives while the warm-up runs waits for its result rather than repeating the work.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from typing import Any

from openaims.register.actors import Actor, Role

log = logging.getLogger(__name__)

#: Reads the register as an auditor does: everything, changing nothing.
READER = Actor(name="web-server", roles=frozenset({Role.AUDITOR}))


def warm(app: Any) -> None:
    """Fill the dashboard's and the readiness page's caches for the register as it is now,
    prepare every route and compile the page templates, the dashboard's first."""
    from openaims.readiness import summary_for_dashboard
    from openaims.reports.dashboard import build_dashboard

    templates = app.state.templates.env
    try:
        templates.get_template("dashboard.html")
        with app.state.db.read() as session:
            build_dashboard(session, READER)
            summary_for_dashboard(session, READER)
        asyncio.run(_request_nothing(app))
        for name in templates.list_templates(extensions=["html"]):
            templates.get_template(name)
    except Exception:  # a warm-up never stops the server; the first page computes instead
        log.warning("the dashboard could not be prepared at start-up", exc_info=True)
        return
    # What the imports and the catalogues built lives as long as the process: keep it out
    # of later garbage collections, which would otherwise walk it again and again.
    gc.freeze()


async def _request_nothing(app: Any) -> None:
    """One request for a page that does not exist: the web framework prepares each route
    (its parameters and dependencies) the first time a request is matched against it."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/.warm-up", "raw_path": b"/.warm-up", "query_string": b"", "root_path": "", "headers": [],
        "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    await app(scope, receive, send)


def start(app: Any) -> threading.Thread:
    """Warm ``app`` in a daemon thread (the server answers meanwhile)."""
    thread = threading.Thread(target=warm, args=(app,), name="aims-warm-up", daemon=True)
    thread.start()
    return thread
