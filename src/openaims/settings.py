"""Typed settings read from the environment (``AIMS_*``) with safe defaults.

The defaults suit a laptop: an SQLite register under ``.aims/`` in the current
directory. Outside development (``AIMS_ENVIRONMENT=prod``) the settings refuse
values that are only acceptable on a developer's machine.
"""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Directory, relative to the working directory, that holds the embedded register.
DATA_DIR = ".aims"

_INSECURE_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})


class Environment(enum.StrEnum):
    """Where OpenAIMS runs; production refuses development shortcuts."""

    DEV = "dev"
    PROD = "prod"


def default_database_url() -> str:
    """The embedded register: ``sqlite:///.aims/aims.db`` under the current directory."""
    return f"sqlite:///{(Path.cwd() / DATA_DIR / 'aims.db').as_posix()}"


def default_evidence_dir() -> Path:
    """Evidence files live next to the embedded register by default."""
    return Path.cwd() / DATA_DIR / "evidence"


class Settings(BaseSettings):
    """Process-wide settings. Every field maps to an ``AIMS_`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="AIMS_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    evidence_dir: Path = Field(default_factory=default_evidence_dir)
    environment: Environment = Environment.DEV
    secret_key: str = ""
    sql_echo: bool = False

    @model_validator(mode="after")
    def _refuse_insecure_outside_development(self) -> Settings:
        if self.environment is Environment.DEV:
            return self
        problems: list[str] = []
        if self.secret_key.strip().lower() in _INSECURE_SECRETS or len(self.secret_key) < 32:
            problems.append("AIMS_SECRET_KEY must be a random value of at least 32 characters")
        if self.sql_echo:
            problems.append("AIMS_SQL_ECHO must be off (it logs record contents)")
        if self.database_url.startswith("postgresql") and ":postgres@" in self.database_url:
            problems.append("AIMS_DATABASE_URL uses the default 'postgres' password")
        if problems:
            raise ValueError("insecure settings for AIMS_ENVIRONMENT=prod: " + "; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Read settings from the environment; invalid values become a clear UsageError."""
    from pydantic import ValidationError

    from openaims.errors import UsageError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"invalid settings: {first['msg']}") from None
