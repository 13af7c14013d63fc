"""The application factory."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from openaims import __version__
from openaims.register import open_register
from openaims.register.db import Database
from openaims.settings import Environment, load_settings
from openaims.web import errors, filters
from openaims.web.config import WebSettings
from openaims.web.routes import api, auth, org, pages
from openaims.web.security import RateLimiter, SecurityHeaders

HERE = Path(__file__).resolve().parent


def create_app(db: Database | None = None, *, web_settings: WebSettings | None = None) -> FastAPI:
    """A ready application on ``db`` (the configured register when omitted)."""
    web_settings = web_settings or load_settings()
    if db is None:
        db = open_register(web_settings)
    secure_cookies = web_settings.cookie_secure or web_settings.environment is not Environment.DEV
    # Development without AIMS_SECRET_KEY: a random key per start (sign-ins end with the process).
    session_key = web_settings.secret_key or secrets.token_urlsafe(32)

    app = FastAPI(
        title="OpenAIMS AI Risk Hub",
        version=__version__,
        description="HTTP API of the OpenAIMS register: AI systems, components, risks, controls and their history.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
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
    app.include_router(pages.router)
    return app
