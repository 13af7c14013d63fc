"""The project's error hierarchy.

Services raise these with a message that tells the user what to do. Only the
edges (the CLI and the web layer) turn them into exit codes, one-line messages
and HTTP responses.
"""

from __future__ import annotations


class AimsError(Exception):
    """Base class of every error OpenAIMS reports to a user."""

    #: Exit code the CLI uses for this error.
    exit_code: int = 1
    #: The transaction it is raised in is committed, not rolled back: a refusal that must be
    #: remembered (a failed sign-in counts towards a lockout however the caller reports it).
    keeps_changes: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(AimsError):
    """Bad input from the user: a path, an option, a file that does not parse."""

    exit_code = 2


class NotFoundError(AimsError):
    """A record, file or revision that was named does not exist."""

    exit_code = 2


class ConflictError(AimsError):
    """The request conflicts with the current state (stale version, duplicate id)."""

    exit_code = 1


class PermissionDeniedError(AimsError):
    """The actor may not do this."""

    exit_code = 1
