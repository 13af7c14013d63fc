"""garak reports: the JSON Lines file a garak run writes (``garak_runs/<run>.report.jsonl``).

Every line is an object with an ``entry_type``: ``start_run setup`` and ``init`` open the
run, ``attempt`` lines hold single prompts and outputs, ``eval`` lines hold the verdict of
one detector over one probe (``passed`` and ``fails`` of ``total_evaluated``; older versions
write ``passed`` of ``total``),
``completion`` closes the run. The attack category is the probe's module (``promptinject``,
``dan``, ``leakreplay``...), summed over its probes and detectors.
"""

from __future__ import annotations

from typing import Any

from openaims.redteam.interface import RESULT_LIMITS, CategoryResult, RedTeamResults, ResultFormat, ResultParser
from openaims.untrusted import InputError, read_json

#: Largest report read (attempt lines carry every prompt and output).
MAX_BYTES = RESULT_LIMITS.max_bytes


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class GarakParser(ResultParser):
    format = ResultFormat.GARAK
    expected = "a garak report (JSON Lines, one object with an 'entry_type' per line, with 'eval' entries)"

    def looks_like(self, data: bytes) -> bool:
        first = data.lstrip()[:4096].split(b"\n", 1)[0]
        return first.startswith(b"{") and b'"entry_type"' in first

    def parse(self, data: bytes, source: str) -> RedTeamResults:
        if len(data) > MAX_BYTES:
            raise self.error(source, f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error(source, "not UTF-8 text") from None
        counts: dict[str, list[int]] = {}
        version: str | None = None
        run: str | None = None
        seen_run = False
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = read_json(line, f"{source}:{number}", limits=RESULT_LIMITS)
            except InputError as exc:
                raise self.error(source, f"line {number}: {str(exc).split(': ', 1)[-1]}") from None
            if not isinstance(entry, dict) or not isinstance(entry.get("entry_type"), str):
                raise self.error(source, f"line {number} has no 'entry_type'")
            kind = entry["entry_type"]
            if kind in ("start_run setup", "init"):
                seen_run = True
                found = entry.get("garak_version") or entry.get("_config.version")
                version = str(found)[:40] if isinstance(found, str) else version
                run = str(entry["run"])[:80] if isinstance(entry.get("run"), str) else run
            elif kind == "eval":
                probe, passed = entry.get("probe"), _count(entry.get("passed"))
                fails = _count(entry.get("fails"))
                total = _count(entry.get("total_evaluated"))
                total = total if total is not None else _count(entry.get("total"))
                if not isinstance(probe, str) or not probe.strip() or passed is None or (fails, total) == (None, None):
                    raise self.error(source, f"line {number}: an eval entry needs probe, passed and fails or total")
                failed = fails if fails is not None else (total or 0) - passed
                if failed < 0:
                    raise self.error(source, f"line {number}: passed is more than total")
                module = probe.strip().removeprefix("probes.").split(".", 1)[0][:200]
                tally = counts.setdefault(module, [0, 0])
                tally[0] += passed
                tally[1] += failed
        if not seen_run:
            raise self.error(source, "no 'init' or 'start_run setup' entry")
        if not counts:
            raise self.error(source, "no 'eval' entries: the run did not finish evaluating")
        return RedTeamResults(
            format=self.format,
            categories=tuple(CategoryResult(c, p, f) for c, (p, f) in counts.items()),
            tool_version=f"garak {version}" if version else None,
            run_id=run,
        )
