"""Manifest and lock-file parsers, one pure module per ecosystem.

Each parser turns a file's text into :class:`Declared` packages and never raises
on malformed input: it returns what it could parse. Parsers know nothing of the
AI catalogue or of findings; ``discovery/detectors/dependencies.py`` filters and
reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from openaims.discovery.manifests._util import Reader

__all__ = ["Declared", "Reader"]


@dataclass(frozen=True, slots=True)
class Declared:
    """One package as a manifest or lock file declares it.

    ``name`` is canonical for its ecosystem. ``declared`` is the constraint as
    written (``>=1.2,<2``, ``^4.0.0``), ``resolved`` the exact version when the
    file pins or locks one. ``direct`` is ``False`` for transitive lock entries
    and for lock entries whose directness the lock file does not tell.
    ``file`` is set when the package comes from an included file (``-r
    base.txt``): the include's path relative to the parsed file's directory.
    """

    name: str
    line: int
    declared: str | None = None
    resolved: str | None = None
    direct: bool = True
    scope: str = "main"
    extras: tuple[str, ...] = ()
    marker: str | None = None
    source_url: str | None = None
    file: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
