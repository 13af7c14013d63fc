"""promptfoo results: the JSON ``promptfoo eval --output results.json`` (and ``promptfoo redteam
run``) writes.

The file is an object whose ``results`` holds ``results``, a list of one entry per test case
and prompt. An entry passed when ``success`` is true; it errored (the provider failed, nothing
was judged) when ``failureReason`` is 2 or it carries an ``error`` without a grade. Its attack
category is the red-team plugin that generated it (``metadata.pluginId``, or the test case's
``metadata.pluginId``); entries of a plain evaluation count under ``eval``.
"""

from __future__ import annotations

from typing import Any

from openaims.redteam.interface import RESULT_LIMITS, CategoryResult, RedTeamResults, ResultFormat, ResultParser
from openaims.untrusted import InputError, read_json

#: promptfoo's ResultFailureReason.ERROR.
_ERROR_REASON = 2


def _text(value: Any) -> str | None:
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def _category(entry: dict[str, Any]) -> str:
    for holder in (entry.get("metadata"), (entry.get("testCase") or {}).get("metadata")
                   if isinstance(entry.get("testCase"), dict) else None):  # fmt: skip
        if isinstance(holder, dict):
            plugin = _text(holder.get("pluginId"))
            if plugin:
                return plugin
    return "eval"


class PromptfooParser(ResultParser):
    format = ResultFormat.PROMPTFOO
    expected = "the JSON file 'promptfoo eval --output FILE.json' writes (an object with results.results[])"

    def looks_like(self, data: bytes) -> bool:
        head = data[:4096].lstrip()
        return head.startswith(b"{") and b'"results"' in data[:1_000_000]

    def parse(self, data: bytes, source: str) -> RedTeamResults:
        try:
            doc = read_json(data, source, limits=RESULT_LIMITS)
        except InputError as exc:
            raise self.error(source, str(exc).removeprefix(f"{source}: ")) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
            raise self.error(source, "no 'results' object")
        block = doc["results"]
        entries = block.get("results")
        if not isinstance(entries, list):
            raise self.error(source, "no 'results.results' list")
        counts: dict[str, list[int]] = {}
        for number, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("success"), bool):
                raise self.error(source, f"result {number} has no true/false 'success'")
            tally = counts.setdefault(_category(entry), [0, 0, 0])
            errored = entry.get("failureReason") == _ERROR_REASON or (
                entry.get("error") and not entry["success"] and not entry.get("gradingResult")
            )
            tally[0 if entry["success"] else (2 if errored else 1)] += 1
        if not counts:
            raise self.error(source, "it holds no test results")
        meta = doc.get("metadata")
        version = _text(meta.get("promptfooVersion")) if isinstance(meta, dict) else None
        return RedTeamResults(
            format=self.format,
            categories=tuple(CategoryResult(c, *t) for c, t in counts.items()),
            tool_version=f"promptfoo {version}" if version else None,
            run_id=_text(doc.get("evalId")),
        )
