"""Pack sections: each one writes some of the files of an evidence pack.

A section is a function registered under a name; the builder calls every registered
section in order with the same :class:`PackContext` and lists what each returns in the
manifest. Adding what a new record family contributes to packs is one more
``@section(...)`` function in the module that knows the records (and its module named in
:data:`SECTION_MODULES`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaims.readiness.model import Report
from openaims.reports.asof import RegisterView
from openaims.reports.pack.scope import PackScope


@dataclass(frozen=True)
class PackFile:
    """One file of a pack: where it goes, its bytes (or a file to copy), and the record it comes from."""

    path: str
    data: bytes | None = None
    source_file: Path | None = None
    source: str | None = None


@dataclass(frozen=True)
class PackContext:
    """What every section reads: the register as of the pack's day, readiness, and the included records."""

    organisation: str
    scope: PackScope
    view: RegisterView
    readiness: Report
    records: tuple[Any, ...]
    #: Where an evidence file with this SHA-256 is stored.
    evidence_path: Callable[[str], Path]
    #: History events of the included records (the builder reads them once).
    events: tuple[dict[str, Any], ...] = ()
    generator: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    #: The register session the pack is read from (sections that render reports read through it).
    session: Any = None

    @property
    def as_of(self) -> dt.date:
        return self.view.as_of

    @property
    def included(self) -> frozenset[str]:
        return frozenset(r.id for r in self.records)

    def of(self, record_type: str) -> list[Any]:
        return [r for r in self.records if r.record_type == record_type]


SectionFunction = Callable[[PackContext], Iterable[PackFile]]


@dataclass(frozen=True)
class Section:
    name: str
    order: int
    build: SectionFunction
    description: str


_SECTIONS: dict[str, Section] = {}

#: Modules whose import registers sections (in addition to the built-in ones).
SECTION_MODULES: tuple[str, ...] = (
    "openaims.reports.pack.builtin",
    "openaims.reports.pack.oscal_section",
    "openaims.reports.pack.stage2_section",
    "openaims.reports.pack.reports",
    "openaims.reports.pack.security_review_section",
)


def section(name: str, *, order: int, description: str) -> Callable[[SectionFunction], SectionFunction]:
    """Register a pack section: ``order`` places it among the others (lower first)."""

    def decorate(function: SectionFunction) -> SectionFunction:
        _SECTIONS[name] = Section(name, order, function, description)
        return function

    return decorate


def sections() -> list[Section]:
    """Every registered section, in order."""
    for module in SECTION_MODULES:
        importlib.import_module(module)
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


__all__ = ["SECTION_MODULES", "PackContext", "PackFile", "Section", "section", "sections"]
