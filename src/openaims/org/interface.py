"""Errors of organisation scans, and the one place tokens are kept out of messages."""

from __future__ import annotations

import os
from collections.abc import Iterable

from openaims.discovery import sanitise
from openaims.errors import AimsError, UsageError


class SourceError(UsageError):
    """A source cannot be listed: unreachable, a bad token, an unknown organisation."""


class JobError(AimsError):
    """A job failed: its repository could not be fetched or scanned.

    ``transient`` failures (a server that did not answer, a register that was busy) are
    tried again with back-off; the others are recorded at once.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def token_from(variable: str | None) -> str | None:
    """The token in environment variable ``variable`` (None when unset or empty)."""
    if not variable:
        return None
    value = os.environ.get(variable, "").strip()
    return value or None


def scrub(message: str, secrets: Iterable[str | None] = ()) -> str:
    """``message`` as one line with every given secret replaced and key shapes and URL credentials masked."""
    text = message
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return " ".join(sanitise.text(text).split())
