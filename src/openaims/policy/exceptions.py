"""Policy exceptions: what they match, and whether they still apply on a given day.

An exception applies through its ``expires`` date (inclusive). From the next day
on it stops applying: what it covered fails again, and the exception is
reported as expired so its owner sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from openaims.policy.matching import glob_match
from openaims.policy.schema import PolicyException

#: Gives "today" for expiry decisions; tests pass a frozen one.
Clock = Callable[[], date]


def utc_today() -> date:
    """Today's date in UTC (the default clock)."""
    return datetime.now(UTC).date()


def is_expired(exception: PolicyException, today: date) -> bool:
    """Whether ``exception`` no longer applies on ``today``."""
    return today > exception.expires


def matches(
    exception: PolicyException,
    *,
    rule_id: str,
    path: str,
    keys: Iterable[str],
    fingerprint: str,
) -> bool:
    """Whether ``exception`` covers a violation (ignoring expiry).

    ``match`` is a glob over the violation's subjects (``pypi:torch``,
    ``provider:pytorch``, ``mcp:github``, ``model:gpt-4o``...) or its exact
    fingerprint; ``rule`` and ``paths`` narrow it further.
    """
    if exception.rule is not None and not glob_match(exception.rule, rule_id):
        return False
    if exception.paths and not any(glob_match(p, path) for p in exception.paths):
        return False
    if exception.match.lower() == fingerprint:
        return True
    return any(glob_match(exception.match, key) for key in keys if key)
