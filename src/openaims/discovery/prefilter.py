"""One pass over a file's bytes decides which text detectors are worth running.

Every text detector may declare ``prefilter`` fragments (regular expressions,
usually plain literals). The fragments of all detectors are folded into one
compiled alternation with a named group per detector. For a file, the engine
asks which of the detectors that *want* the file have a fragment in it; only
those run. Detectors without fragments always run on the files they want.

Why a single alternation of Python's ``re`` and not Aho-Corasick or Hyperscan:
``benchmarks/README.md`` records the measurement. The fragments of one
detector often overlap another's (``openai`` and ``OpenAI``), so a match of one
group can hide another at the same position; :meth:`Prefilter.select` therefore
searches again, with a pattern that leaves out the detectors already chosen,
until no candidate is left or nothing matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from openaims.discovery.interface import Detector


def _group(index: int) -> str:
    return f"d{index}"


def _alternation(fragments: Iterable[str]) -> str:
    return "|".join(f"(?:{fragment})" for fragment in fragments)


class Prefilter:
    """The combined prefilter of a list of detectors (indexed like the list)."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self._fragments: dict[int, str] = {}
        #: Detectors whose fragments only compile as ``str`` patterns (run on decoded text).
        self._text_only: dict[int, re.Pattern[str]] = {}
        for index, detector in enumerate(detectors):
            if detector.binary or not detector.prefilter:
                continue
            alternation = _alternation(detector.prefilter)
            try:
                re.compile(alternation.encode("utf-8"))
            except (re.error, UnicodeEncodeError):
                self._text_only[index] = re.compile(alternation)
                continue
            self._fragments[index] = alternation
        self._compiled = lru_cache(maxsize=256)(self._compile)

    def filtered(self, index: int) -> bool:
        """Whether detector ``index`` only runs where its fragments occur."""
        return index in self._fragments or index in self._text_only

    def _compile(self, indices: frozenset[int]) -> re.Pattern[bytes]:
        parts = [f"(?P<{_group(i)}>{self._fragments[i]})" for i in sorted(indices)]
        return re.compile("|".join(parts).encode("utf-8"))

    def pattern(self, indices: Iterable[int]) -> re.Pattern[bytes] | None:
        """The combined pattern over some detectors (``None`` when none has fragments)."""
        wanted = frozenset(i for i in indices if i in self._fragments)
        return self._compiled(wanted) if wanted else None

    def select(self, data: bytes, candidates: Iterable[int]) -> set[int]:
        """The candidates that should run on a file with content ``data``."""
        selected: set[int] = set()
        pending: set[int] = set()
        for index in candidates:
            if index in self._fragments:
                pending.add(index)
            elif index in self._text_only:
                if self._text_only[index].search(data.decode("utf-8", "replace")):
                    selected.add(index)
            else:
                selected.add(index)
        while pending:
            compiled = self._compiled(frozenset(pending))
            match = compiled.search(data)
            if match is None:
                break
            hit = match.lastgroup
            found = {int(name[1:]) for name, value in match.groupdict().items() if value is not None}
            if hit is not None:
                found.add(int(hit[1:]))
            found &= pending
            if not found:  # pragma: no cover - a match always sets one detector's group
                break
            selected |= found
            pending -= found
        return selected
