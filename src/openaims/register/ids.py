"""Human record ids such as ``RISK-12``: one counter per prefix, safe under concurrency.

The counter row is updated in the caller's transaction, so the row lock (PostgreSQL)
or the write lock (SQLite, ``BEGIN IMMEDIATE``) serialises allocation: two writers
never get the same number, and a rolled-back transaction gives its number back.
"""

from __future__ import annotations

import re

from sqlalchemy import Dialect, select, update
from sqlalchemy.orm import Session

from openaims.register.models.internal import IdCounter

ID_RE = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]*)-(?P<number>[1-9][0-9]*)$")


def parse_id(record_id: str) -> tuple[str, int] | None:
    """``RISK-12`` -> ``("RISK", 12)``; None when the id is not a numbered human id."""
    match = ID_RE.match(record_id)
    if match is None:
        return None
    return match.group("prefix"), int(match.group("number"))


def _insert_ignore(dialect: Dialect, prefix: str, last: int) -> object:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the register's dialect (imported for that dialect only)."""
    if dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql


        return postgresql.insert(IdCounter).values(prefix=prefix, last=last).on_conflict_do_nothing()
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(IdCounter).values(prefix=prefix, last=last).on_conflict_do_nothing()


def allocate(session: Session, prefix: str) -> str:
    """Hand out the next id for ``prefix`` inside the caller's transaction."""
    session.execute(_insert_ignore(session.get_bind().dialect, prefix, 0))  # type: ignore[call-overload]
    number = session.execute(
        update(IdCounter)
        .where(IdCounter.prefix == prefix)
        .values(last=IdCounter.last + 1)
        .returning(IdCounter.last)
    ).scalar_one()
    return f"{prefix}-{number}"


def reserve(session: Session, record_id: str) -> None:
    """Make sure later allocations never reuse ``record_id`` (used when importing records)."""
    parsed = parse_id(record_id)
    if parsed is None:
        return
    prefix, number = parsed
    session.execute(_insert_ignore(session.get_bind().dialect, prefix, 0))  # type: ignore[call-overload]
    session.execute(
        update(IdCounter).where(IdCounter.prefix == prefix, IdCounter.last < number).values(last=number)
    )


def peek(session: Session, prefix: str) -> int:
    """The last number allocated for ``prefix`` (0 when none)."""
    value = session.execute(select(IdCounter.last).where(IdCounter.prefix == prefix)).scalar_one_or_none()
    return int(value or 0)
