"""Red-team and evaluation results as evidence: one parser per tool's result format.

:func:`parse_results` reads one file (promptfoo JSON results, a garak JSONL report), by the
format named or by detecting it, into pass/fail counts per attack category;
:func:`threats_for` says which threats (``catalogue:id``) a failure in a category
demonstrates, from ``categories.yaml``. PyRIT is not read: it keeps scored results in its
memory database and has no stable file export to parse.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import assert_never

from openaims.redteam.garak import GarakParser
from openaims.redteam.interface import (
    CategoryResult,
    RedTeamResults,
    ResultFormat,
    ResultFormatError,
    ResultParser,
)
from openaims.redteam.promptfoo import PromptfooParser


def parser_for(fmt: ResultFormat) -> ResultParser:
    if fmt is ResultFormat.PROMPTFOO:
        return PromptfooParser()
    if fmt is ResultFormat.GARAK:
        return GarakParser()
    assert_never(fmt)


def detect(data: bytes) -> ResultFormat | None:
    """The format ``data`` looks like; None when it looks like none (garak is tried first:
    its first line is itself a JSON object)."""
    for fmt in (ResultFormat.GARAK, ResultFormat.PROMPTFOO):
        if parser_for(fmt).looks_like(data):
            return fmt
    return None


def parse_results(data: bytes, source: str, fmt: ResultFormat | None = None) -> RedTeamResults:
    """The results in one file; :class:`ResultFormatError` (one line, the format expected) otherwise."""
    chosen = fmt or detect(data)
    if chosen is None:
        expected = "; or ".join(parser_for(f).expected for f in ResultFormat)
        raise ResultFormatError(f"{source}: not a red-team result file OpenAIMS reads; expected {expected}")
    return parser_for(chosen).parse(data, source)


@functools.cache
def _categories() -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    from openaims.untrusted import read_yaml

    text = resources.files(__name__).joinpath("categories.yaml").read_text(encoding="utf-8")
    raw = read_yaml(text, "categories.yaml")
    return {fmt.value: {k: tuple(v) for k, v in raw[fmt.value].items()} for fmt in ResultFormat}


def threats_for(fmt: ResultFormat, category: str) -> tuple[str, ...]:
    """The threats a failure in ``category`` demonstrates (qualified ids); empty when unmapped."""
    table = _categories()[fmt.value]
    if category in table:
        return table[category]
    prefixes = sorted((k for k in table if k.endswith(":") and category.startswith(k)), key=len, reverse=True)
    return table[prefixes[0]] if prefixes else ()


def mapped_threats() -> set[str]:
    """Every threat the category table names (for checking it against the catalogues)."""
    return {t for table in _categories().values() for threats in table.values() for t in threats}


__all__ = [
    "CategoryResult",
    "RedTeamResults",
    "ResultFormat",
    "ResultFormatError",
    "detect",
    "mapped_threats",
    "parse_results",
    "parser_for",
    "threats_for",
]
