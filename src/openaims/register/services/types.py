"""Field types shared by the record input models."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field, StringConstraints

#: A required one-line name or title.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: An optional one-line value (owner, approver, contact...).
Short = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)]
#: Free text.
Text = Annotated[str | None, StringConstraints(max_length=100_000)]
#: Required free text.
RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
#: A human record id such as ``SYS-3`` (or ``SOA-A.6.2.4``).
RecordId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z][A-Z0-9]*-[A-Za-z0-9.]+$")]
#: An Annex A control id such as ``A.6.2.4``.
ControlId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^A\.(?:[2-9]|10)(?:\.[0-9]+){1,2}$")
]
#: A level on a 1-based scale.
Level = Annotated[int, Field(ge=1, le=10)]


class OrgRole(enum.StrEnum):
    """The organisation's role towards an AI system (ISO/IEC 22989, EU AI Act)."""

    PROVIDER = "provider"
    DEVELOPER = "developer"
    DEPLOYER = "deployer"
    OPERATOR = "operator"
    USER = "user"
    IMPORTER = "importer"
    DISTRIBUTOR = "distributor"


def closed(*pairs: tuple[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    """A transition table from ``(status, (next, ...))`` pairs."""
    return {status: frozenset(nexts) for status, nexts in pairs}
