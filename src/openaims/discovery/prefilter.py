"""One pass over a file's bytes decides which text detectors are worth running.

Every text detector may declare ``prefilter`` fragments (regular expressions,
usually plain literals). For a file, the engine asks which of the detectors that
*want* the file have a fragment in it; only those run. Detectors without
fragments always run on the files they want.

Two engines, measured in ``benchmarks/README.md``:

* **Hyperscan** (the ``hyperscan`` package, x86-64): all fragments of the
  candidate detectors are compiled into one multi-pattern database, each
  fragment tagged with its detector; one scan of the bytes reports every
  detector with a fragment in the file and stops as soon as all candidates are
  found. Several hundred MB/s per core.
* **Python ``re``** (the fallback where Hyperscan is missing, or for fragments
  it cannot compile): one alternation with a named group per detector. A match
  of one group can hide another detector's fragment at the same position, so
  :meth:`Prefilter.select` searches again without the detectors already chosen
  until no candidate is left or nothing matches. Correct, but one to two
  orders of magnitude slower.

``AIMS_PREFILTER_ENGINE=re`` forces the fallback (for benchmarks and tests).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from openaims.discovery.interface import Detector

_hs: Any
try:  # optional accelerator: wheels exist for x86-64 Linux, macOS and Windows
    import hyperscan  # type: ignore[import-untyped,import-not-found,unused-ignore]

    _hs = hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    _hs = None

def hyperscan_available() -> bool:
    return _hs is not None


def default_engine() -> str:
    from openaims.settings import load_settings

    if load_settings().prefilter_engine == "re" or _hs is None:
        return "re"
    return "hyperscan"


def _tagged(fragments: dict[int, tuple[str, ...]]) -> tuple[list[str], list[int]]:
    """Every fragment with the index of its detector, in index order."""
    expressions: list[str] = []
    ids: list[int] = []
    for index in sorted(fragments):
        expressions.extend(fragments[index])
        ids.extend([index] * len(fragments[index]))
    return expressions, ids


def _group(index: int) -> str:
    return f"d{index}"


def _alternation(fragments: Iterable[str]) -> str:
    return "|".join(f"(?:{fragment})" for fragment in fragments)


def cache_dir() -> Path:
    """Where compiled prefilter databases are kept (``AIMS_CACHE_DIR``, else the user cache)."""
    from openaims.settings import load_settings

    return load_settings().cache_folder()


def _cache_file(fragments: Sequence[str], ids: Sequence[int]) -> Path:
    key = json.dumps([getattr(_hs, "__version__", "?"), list(fragments), list(ids)]).encode("utf-8")
    return cache_dir() / f"prefilter-{hashlib.sha256(key).hexdigest()[:32]}.hsdb"


def _hs_database(fragments: Sequence[str], ids: Sequence[int]) -> Any:
    """A Hyperscan block-mode database of ``fragments`` (``None`` when one does not compile).

    Compiling takes a few hundred milliseconds; the compiled database is kept in
    :func:`cache_dir` under a hash of the fragments, so the next scan loads it.
    """
    if _hs is None or not fragments:
        return None
    cached = _cache_file(fragments, ids)
    with contextlib.suppress(Exception):  # a missing or unreadable cache just means compiling
        loaded = _hs.loadb(cached.read_bytes(), _hs.HS_MODE_BLOCK)
        loaded.scratch = _hs.Scratch(loaded)
        return loaded
    database = _compile_database(fragments, ids)
    if database is not None:
        with contextlib.suppress(Exception):  # a read-only home is no reason to fail a scan
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(_hs.dumpb(database))
            os.replace(temporary, cached)
    return database


def _compile_database(fragments: Sequence[str], ids: Sequence[int]) -> Any:
    try:
        database = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        database.compile(
            expressions=[f.encode("utf-8") for f in fragments],
            ids=list(ids),
            elements=len(fragments),
            flags=[_hs.HS_FLAG_SINGLEMATCH] * len(fragments),
        )
    except Exception:  # hyperscan.error (unsupported construct): use re for this detector
        return None
    return database


class Prefilter:
    """The combined prefilter of a list of detectors (indexed like the list)."""

    def __init__(self, detectors: Sequence[Detector], *, engine: str | None = None) -> None:
        self.engine = engine or default_engine()
        if self.engine not in ("re", "hyperscan"):
            raise ValueError(f"unknown prefilter engine {self.engine!r}")
        if self.engine == "hyperscan" and _hs is None:
            self.engine = "re"
        #: Fragments of detectors handled by Hyperscan.
        self._hs_fragments: dict[int, tuple[str, ...]] = {}
        #: Alternations of detectors handled by ``re`` on bytes.
        self._fragments: dict[int, str] = {}
        #: Detectors whose fragments only compile as ``str`` patterns (run on decoded text).
        self._text_only: dict[int, re.Pattern[str]] = {}
        prefiltered = {index: tuple(d.prefilter) for index, d in enumerate(detectors) if not d.binary and d.prefilter}
        self._hs_all: Any = None
        if self.engine == "hyperscan":
            # One database of everything; detector by detector only when that fails.
            self._hs_all = _hs_database(*_tagged(prefiltered))
            if self._hs_all is not None:
                self._hs_fragments = dict(prefiltered)
            else:
                self._hs_fragments = {i: f for i, f in prefiltered.items() if _hs_database(f, [i] * len(f)) is not None}
        for index, fragments in prefiltered.items():
            if index in self._hs_fragments:
                continue
            alternation = _alternation(fragments)
            try:
                re.compile(alternation.encode("utf-8"))
            except (re.error, UnicodeEncodeError):
                # fragments that do not compile at all: the detector always runs
                with contextlib.suppress(re.error):
                    self._text_only[index] = re.compile(alternation)
                continue
            self._fragments[index] = alternation
        self._compiled: Callable[[frozenset[int]], re.Pattern[bytes]] = lru_cache(maxsize=256)(self._compile_re)

    def filtered(self, index: int) -> bool:
        """Whether detector ``index`` only runs where its fragments occur."""
        return index in self._hs_fragments or index in self._fragments or index in self._text_only

    def _compile_re(self, indices: frozenset[int]) -> re.Pattern[bytes]:
        parts = [f"(?P<{_group(i)}>{self._fragments[i]})" for i in sorted(indices)]
        return re.compile("|".join(parts).encode("utf-8"))

    def _compile_hs(self, indices: frozenset[int]) -> Any:
        return _hs_database(*_tagged({i: self._hs_fragments[i] for i in indices}))

    def select(self, data: bytes, candidates: Iterable[int]) -> set[int]:
        """The candidates that should run on a file with content ``data``."""
        selected: set[int] = set()
        pending: set[int] = set()
        hs_pending: set[int] = set()
        for index in candidates:
            if index in self._hs_fragments:
                hs_pending.add(index)
            elif index in self._fragments:
                pending.add(index)
            elif index in self._text_only:
                if self._text_only[index].search(data.decode("utf-8", "replace")):
                    selected.add(index)
            else:
                selected.add(index)
        if hs_pending:
            selected |= self._select_hs(data, hs_pending)
        if pending:
            selected |= self._select_re(data, pending)
        return selected

    def _select_hs(self, data: bytes, pending: set[int]) -> set[int]:
        assert _hs is not None
        database = self._all_hs()
        found: set[int] = set()
        want = len(pending)

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> bool:
            if ident in pending:
                found.add(ident)
            return len(found) >= want  # True stops the scan: every candidate is in

        with contextlib.suppress(_hs.ScanTerminated):  # how an early stop reports itself
            database.scan(data, match_event_handler=on_match)
        return found

    def _all_hs(self) -> Any:
        """One database over the fragments of every Hyperscan detector."""
        if self._hs_all is None:
            self._hs_all = self._compile_hs(frozenset(self._hs_fragments))
        return self._hs_all

    def warm(self) -> None:
        """Compile now (before worker processes fork, so they share the result)."""
        if self._hs_fragments:
            self._all_hs()
        if self._fragments:
            self._compiled(frozenset(self._fragments))

    def _select_re(self, data: bytes, pending: set[int]) -> set[int]:
        selected: set[int] = set()
        while pending:
            compiled = self._compiled(frozenset(pending))
            match = compiled.search(data)
            if match is None:
                break
            found = {int(name[1:]) for name, value in match.groupdict().items() if value is not None}
            found &= pending
            if not found:  # pragma: no cover - a match always sets one detector's group
                break
            selected |= found
            pending -= found
        return selected


class LiteralSet:
    """Which of a fixed set of plain literals occur in a byte string: one
    Hyperscan pass instead of one substring search per literal.

    :meth:`present` returns ``None`` where Hyperscan is not in use; callers
    then test the literals one by one.
    """

    def __init__(self, literals: Sequence[str]) -> None:
        self.literals = tuple(literals)
        self._database: Any = None
        self._compiled = False

    def _db(self) -> Any:
        if not self._compiled:
            self._compiled = True
            if default_engine() == "hyperscan" and self.literals:
                self._database = _hs_database([re.escape(lit) for lit in self.literals], range(len(self.literals)))
        return self._database

    def present(self, data: bytes) -> frozenset[str] | None:
        """The literals that occur in ``data``."""
        database = self._db()
        if database is None:
            return None
        found: set[int] = set()

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> bool:
            found.add(ident)
            return False

        database.scan(data, match_event_handler=on_match)
        return frozenset(self.literals[i] for i in found)
