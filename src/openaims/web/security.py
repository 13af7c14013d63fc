"""Security plumbing: response headers, CSRF tokens, the session cookie, the client's
address behind trusted proxies and a per-address sign-in rate limit."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("openaims.security")

CSRF_FIELD = "csrf_token"
#: Key of the session secret in the signed cookie (the register keeps its hash).
SESSION_KEY = "sid"
CSRF_HEADER = "x-csrf-token"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.url.path.startswith(("/api/", "/login", "/setup")) or "text/html" in response.headers.get(
            "content-type", ""
        ):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_valid(request: Request, presented: str | None) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and isinstance(presented, str) and hmac.compare_digest(expected, presented)


def session_secret(request: Request) -> str:
    """The session secret the browser presented ("" when none)."""
    secret = request.session.get(SESSION_KEY)
    return secret if isinstance(secret, str) else ""


def start_session(request: Request, secret: str) -> None:
    """Put a new session's secret in the cookie (a fresh cookie: no fixation)."""
    request.session.clear()
    request.session[SESSION_KEY] = secret
    csrf_token(request)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_warned_untrusted_forwarding = False


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    """The client's address: the connecting peer, or, when the peer is a trusted proxy, the
    nearest address in X-Forwarded-For that is not a trusted proxy (read right to left, as
    each proxy appends the address it saw). Without trusted proxies the header is ignored."""
    global _warned_untrusted_forwarding  # noqa: PLW0603  (one warning per process)
    peer = request.client.host if request.client else "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    if not forwarded:
        return peer
    if not _trusted(_ip(peer), proxies):
        if not _warned_untrusted_forwarding:
            _warned_untrusted_forwarding = True
            log.warning(
                "ignoring X-Forwarded-For from %s, which is not a trusted proxy; behind a reverse proxy, "
                "set AIMS_TRUSTED_PROXIES to its address so rate limits and lockouts see each client",
                peer,
            )
        return peer
    nearest = peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        address = _ip(hop)
        if address is None:
            return nearest  # garbage left of the proxies: the last proxy's word is all we trust
        if not _trusted(address, proxies):
            return str(address)
        nearest = str(address)
    return nearest


class RateLimiter:
    """A sliding window of attempts per key (client address), in this process."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] > self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True
