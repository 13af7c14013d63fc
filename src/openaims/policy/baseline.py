"""Baselines: today's violations, accepted explicitly, so only new ones fail.

A baseline is a versioned JSON file of violation fingerprints (with rule, path,
subject and line for people reading it). Fingerprints ignore line numbers, so
edits that move code around do not turn accepted violations into new ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from openaims.errors import UsageError
from openaims.policy.engine import Status, Violation
from openaims.untrusted import Limits, read_bytes, read_json, text_of

#: Version of the baseline file format this release reads and writes.
BASELINE_VERSION: Final = 1
#: Baseline file written by ``aims baseline create`` at the scanned root.
DEFAULT_BASELINE_FILE: Final = ".aims-baseline.json"
SCHEMA_ID: Final = "https://openaims.dev/schemas/baseline/v1"
MAX_BASELINE_BYTES: Final = 64 * 1024 * 1024
#: Bounds on a baseline file: a flat list of small entries.
BASELINE_LIMITS: Final = Limits(max_bytes=MAX_BASELINE_BYTES, max_depth=8, max_elements=8_000_000)

#: Upgrade steps: ``UPGRADES[n]`` turns a version ``n`` document into version ``n + 1``.
UPGRADES: Final[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    fingerprint: str
    rule: str
    path: str
    subject: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Baseline:
    entries: tuple[BaselineEntry, ...]
    created: str

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)


def from_violations(violations: Iterable[Violation], *, now: datetime | None = None) -> Baseline:
    """A baseline accepting ``violations``; excepted ones stay with their exception (which may expire)."""
    seen: dict[str, BaselineEntry] = {}
    for v in violations:
        if v.status is Status.EXCEPTED:
            continue
        seen.setdefault(v.fingerprint, BaselineEntry(v.fingerprint, v.rule.id, v.path, v.subject, v.line))
    created = (now or datetime.now(UTC)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    entries = sorted(seen.values(), key=lambda e: (e.path, e.rule, e.subject, e.fingerprint))
    return Baseline(tuple(entries), created)


def dumps(baseline: Baseline) -> str:
    """The baseline file's text (stable order, so it diffs well in review)."""
    doc = {
        "$schema": SCHEMA_ID,
        "version": BASELINE_VERSION,
        "created": baseline.created,
        "violations": [
            {
                "fingerprint": e.fingerprint,
                "rule": e.rule,
                "path": e.path,
                "subject": e.subject,
                "line": e.line,
            }
            for e in baseline.entries
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(baseline: Baseline, path: Path) -> None:
    try:
        path.write_text(dumps(baseline), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror}") from None


def loads(text: str, source: str = "<baseline>") -> Baseline:
    """Parse a baseline file; raise :class:`UsageError` saying what is wrong."""
    doc = read_json(text, source, limits=BASELINE_LIMITS)  # InputError: a one-line UsageError
    if not isinstance(doc, dict):
        raise UsageError(f"{source}: a baseline is a JSON object; create one with 'aims baseline create'")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise UsageError(f"{source}: baseline has no valid 'version'; create one with 'aims baseline create'")
    if version > BASELINE_VERSION:
        raise UsageError(
            f"{source}: baseline version {version} is newer than this aims reads "
            f"({BASELINE_VERSION}); upgrade aims"
        )
    while doc["version"] < BASELINE_VERSION:
        doc = UPGRADES[doc["version"]](doc)
    raw = doc.get("violations")
    if not isinstance(raw, list):
        raise UsageError(f"{source}: baseline needs a 'violations' list")
    entries: list[BaselineEntry] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise UsageError(f"{source}: violations[{index}] needs a 'fingerprint' string")
        line = item.get("line")
        entries.append(
            BaselineEntry(
                fingerprint=item["fingerprint"].lower(),
                rule=str(item.get("rule", "")),
                path=str(item.get("path", "")),
                subject=str(item.get("subject", "")),
                line=line if isinstance(line, int) and not isinstance(line, bool) else None,
            )
        )
    return Baseline(tuple(entries), str(doc.get("created", "")))


def load(path: Path) -> Baseline:
    """Read the baseline file at ``path``."""
    if not path.exists():
        raise UsageError(f"baseline file not found: {path} (create one with 'aims baseline create')")
    text = text_of(read_bytes(path, BASELINE_LIMITS), str(path), BASELINE_LIMITS)
    return loads(text, str(path))
