"""Sign-in, sign-out, first-run setup and optional OpenID Connect.

Every sign-in starts a session in the register and every sign-out ends it there, so a
copied cookie stops working at sign-out.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from openaims.errors import AimsError
from openaims.register.services.accounts import AccountService, AuthenticationError
from openaims.web.deps import DbSession, WriteSession, address, optional_identity, web_sessions
from openaims.web.security import csrf_token, csrf_valid, session_secret, start_session

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, name, {"user": None, "csrf": csrf_token(request), **context}, status_code=status
    )
    return response


def _check_csrf(request: Request, token: str) -> None:
    if not csrf_valid(request, token):
        raise HTTPException(403, "the form expired or did not come from this site; reload the page and try again")


@router.get("/login")
def login_page(request: Request, session: DbSession, next: str | None = None) -> Response:
    if AccountService(session).needs_setup():
        return RedirectResponse("/setup", status_code=303)
    if optional_identity(request, session) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    oidc = request.app.state.web_settings.oidc_enabled
    return _render(request, "login.html", {"next": _safe_next(next), "error": None, "oidc": oidc})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    _check_csrf(request, csrf_token_)
    client = address(request)
    oidc = request.app.state.web_settings.oidc_enabled
    if not request.app.state.login_limiter.allow(client):
        return _render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "error": "Too many sign-in attempts. Wait a minute and try again.",
                "oidc": oidc,
            },
            status=429,
        )
    try:
        account = AccountService(session).authenticate(username.strip(), password, address=client)
    except AuthenticationError as exc:
        return _render(request, "login.html", {"next": _safe_next(next), "error": exc.message, "oidc": oidc}, 401)
    _sign_in(request, session, account.username)
    return RedirectResponse(_safe_next(next), status_code=303)


def _sign_in(request: Request, session: DbSession, username: str) -> None:
    web_sessions(request, session).end(session_secret(request))  # a session open in this browser ends
    start_session(request, web_sessions(request, session).start(username, address(request)))


@router.post("/logout")
def logout(
    request: Request, session: DbSession, csrf_token_: Annotated[str, Form(alias="csrf_token")] = ""
) -> Response:
    _check_csrf(request, csrf_token_)
    web_sessions(request, session).end(session_secret(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/setup")
def setup_page(request: Request, session: DbSession) -> Response:
    if not AccountService(session).needs_setup():
        return RedirectResponse("/login", status_code=303)
    return _render(request, "setup.html", {"error": None})


@router.post("/setup")
def setup(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    _check_csrf(request, csrf_token_)
    service = AccountService(session)
    if not service.needs_setup():
        return RedirectResponse("/login", status_code=303)
    if password != confirm:
        return _render(request, "setup.html", {"error": "The two passwords differ."}, 422)
    try:
        account = service.create(username.strip(), password, roles=["admin"], display_name=display_name.strip() or None)
    except AimsError as exc:
        return _render(request, "setup.html", {"error": exc.message}, 422)
    _sign_in(request, session, account.username)
    return RedirectResponse("/", status_code=303)


def _oauth(request: Request) -> Any:
    settings = request.app.state.web_settings
    if not settings.oidc_enabled:
        raise HTTPException(404, "OpenID Connect sign-in is not configured")
    oauth = getattr(request.app.state, "oauth", None)
    if oauth is None:
        from authlib.integrations.starlette_client import OAuth

        oauth = OAuth()
        oauth.register(
            "oidc",
            server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            client_kwargs={"scope": "openid email profile"},
        )
        request.app.state.oauth = oauth
    return oauth.oidc


@router.get("/login/oidc")
async def oidc_start(request: Request) -> Response:
    client = _oauth(request)
    response: Response = await client.authorize_redirect(request, str(request.url_for("oidc_callback")))
    return response


@router.get("/auth/oidc", name="oidc_callback")
async def oidc_callback(request: Request, session: WriteSession) -> Response:
    """The provider's redirect back: the account is the one linked to the ID token's issuer and subject.

    The state must be one this browser started and the ID token must carry its nonce, be signed
    by the provider's keys and name the configured issuer; anything else is refused.
    """
    from authlib.common.errors import AuthlibBaseError
    from httpx import HTTPError
    from joserfc.errors import JoseError

    settings = request.app.state.web_settings
    client = _oauth(request)
    oidc = settings.oidc_enabled
    try:
        token = await client.authorize_access_token(request)
    except (AuthlibBaseError, JoseError, HTTPError, ValueError):
        return _render(request, "login.html", {"next": "/", "error": _OIDC_FAILED, "oidc": oidc}, 400)
    claims = token.get("userinfo")  # set only from a verified ID token with this browser's nonce
    issuer = str(claims.get("iss") or "") if claims else ""
    subject = str(claims.get("sub") or "") if claims else ""
    if not claims or not subject or issuer.rstrip("/") != str(settings.oidc_issuer).strip().rstrip("/"):
        return _render(request, "login.html", {"next": "/", "error": _OIDC_FAILED, "oidc": oidc}, 400)
    role = None if settings.oidc_default_role == "none" else settings.oidc_default_role
    try:
        account = AccountService(session).oidc_sign_in(issuer, subject, dict(claims), default_role=role)
    except AuthenticationError as exc:
        return _render(request, "login.html", {"next": "/", "error": exc.message, "oidc": oidc}, 403)
    _sign_in(request, session, account.username)
    return RedirectResponse("/", status_code=303)


_OIDC_FAILED = (
    "Sign-in with your organisation could not be completed: it expired, did not start in this browser, "
    "or the identity provider's answer did not check out. Try again."
)
