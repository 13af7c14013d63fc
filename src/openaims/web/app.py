"""The application factory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from openaims import __version__
from openaims.register import open_register
from openaims.register.db import Database
from openaims.settings import Environment, load_settings
from openaims.web import api_schemas, errors, filters
from openaims.web.config import WebSettings
from openaims.web.routes import api, auth, cards, evidence, monitoring, org, pages, security_review, soa, workspace
from openaims.web.security import RateLimiter, SecurityHeaders

HERE = Path(__file__).resolve().parent


def create_app(db: Database | None = None, *, web_settings: WebSettings | None = None, warm: bool = False) -> FastAPI:
    """A ready application on ``db`` (the configured register when omitted); with ``warm``, the
    dashboard is worked out in the background as the server starts (see :mod:`openaims.web.warmup`)."""
    web_settings = web_settings or load_settings()
    if db is None:
        db = open_register(web_settings)
    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        if warm:
            from openaims.web import warmup

            warmup.start(started)
        yield
    secure_cookies = web_settings.cookie_secure or web_settings.environment is not Environment.DEV
    # Development without AIMS_SECRET_KEY: a random key per start (sign-ins end with the process).
    session_key = web_settings.secret_key or secrets.token_urlsafe(32)

    app = FastAPI(
        title="OpenAIMS AI Risk Hub",
        version=__version__,
        description="HTTP API of the OpenAIMS register: AI systems, components, risks, controls and their history.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.web_settings = web_settings
    app.state.proxies = web_settings.proxy_networks
    app.state.login_limiter = RateLimiter(web_settings.login_attempts_per_minute)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    filters.install(templates.env)
    app.state.templates = templates

    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key,
        session_cookie="aims_session",
        max_age=web_settings.session_idle_minutes * 60 * 12,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    errors.install(app)
    app.include_router(auth.router)
    app.include_router(api.router)
    app.include_router(org.router)
    app.include_router(monitoring.router)
    app.include_router(security_review.router)
    app.include_router(cards.router)
    app.include_router(evidence.router)
    app.include_router(soa.router)
    app.include_router(workspace.router)
    app.include_router(pages.router)
    api_schemas.install(app)
    return app


def serving_app() -> FastAPI:
    """The application ``aims serve --workers N`` starts in each worker process (warmed at start)."""
    return create_app(warm=True)
