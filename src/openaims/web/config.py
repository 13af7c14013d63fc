"""Settings of the web application (every one has an ``AIMS_`` environment variable)."""

from __future__ import annotations

import secrets

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AIMS_", extra="ignore")

    #: Key that signs session cookies; a random one per process when unset in development.
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    #: Send cookies only over HTTPS (on by default outside development).
    cookie_secure: bool = False
    #: Sign-out after this many minutes without a request.
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    #: Sign-in attempts allowed per client address per minute (on top of account lockout).
    login_attempts_per_minute: int = Field(default=10, ge=1, le=1000)
    #: OpenID Connect sign-in (all three set to enable).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_default_role: str = "viewer"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)
