"""The history in an export: ``history.jsonl``, one event per line, exactly as the register holds it.

Each line is the canonical JSON (sorted keys, no spaces) of one event: ``seq``,
``record_id``, ``record_type``, ``action``, ``actor``, ``at``, ``before``, ``after``,
``prev_hash`` and ``hash``, with the record snapshots as JSON objects. An importer can
recompute every hash from the file alone; a signed ``checkpoint.json`` beside it (when
the exporting organisation has a key) proves that the chain is the one it signed.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from openaims.register import history
from openaims.register.models.internal import HistoryEvent
from openaims.untrusted import InputError, Limits, read_json

HISTORY_FILE = "history.jsonl"
CHECKPOINT_FILE = "checkpoint.json"
#: Largest single event line read: two record snapshots of the largest record file, and some.
MAX_EVENT_BYTES = 9 * 1024 * 1024
EVENT_LIMITS = Limits(max_bytes=MAX_EVENT_BYTES, max_depth=history.MAX_PAYLOAD_DEPTH + 3, max_elements=500_000)
_FIELDS = ("seq", "record_id", "record_type", "action", "actor", "at", "before", "after", "prev_hash", "hash")
_TEXT = ("record_id", "record_type", "action", "actor", "at")
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


class HistoryFileError(ValueError):
    """``history.jsonl`` is not a history this version can read (the import then keeps no provenance)."""


@dataclass(frozen=True)
class HistorySummary:
    """What the history of an export holds."""

    events: int
    head_seq: int
    head_hash: str
    first_hash: str | None

    def as_header(self) -> dict[str, Any]:
        return {"events": self.events, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "first_hash": self.first_hash}  # fmt: skip


def _same_content(path: Path, digest: str) -> bool:
    if not path.is_file():
        return False
    check = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            check.update(chunk)
    return check.hexdigest() == digest


def write_history(session: Session, directory: Path) -> HistorySummary:
    """Write ``history.jsonl`` (left untouched when its content would not change)."""
    target = directory / HISTORY_FILE
    tmp = target.with_name(f".{target.name}.tmp")
    digest = hashlib.sha256()
    events = 0
    head_seq, head_hash, first_hash = 0, history.GENESIS, None
    stmt = select(HistoryEvent).order_by(HistoryEvent.seq).execution_options(yield_per=1000)
    with tmp.open("wb") as out:
        for row in session.execute(stmt).scalars():
            event = {name: getattr(row, name) for name in _FIELDS}
            try:
                event["before"] = history.decode_payload(row.before)
                event["after"] = history.decode_payload(row.after)
            except history.UnreadablePayloadError as exc:
                out.close()
                tmp.unlink()
                raise history.DamagedHistoryError(
                    f"cannot export the history: event #{row.seq}'s stored record {exc}; "
                    "run 'aims history verify' to see what was altered"
                ) from None
            line = (history.canonical_json(event) + "\n").encode("utf-8")
            digest.update(line)
            out.write(line)
            events += 1
            head_seq, head_hash = row.seq, row.hash
            first_hash = first_hash or row.hash
            session.expunge(row)
    if _same_content(target, digest.hexdigest()):
        tmp.unlink()
    else:
        os.replace(tmp, target)
    return HistorySummary(events=events, head_seq=head_seq, head_hash=head_hash, first_hash=first_hash)


def _open(path: Path) -> BinaryIO:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise HistoryFileError(f"{HISTORY_FILE} cannot be read ({exc.strerror or exc})") from None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise HistoryFileError(f"{HISTORY_FILE} is not a regular file")
    return handle


def _event(value: Any, where: str) -> history.StoredEvent:
    if not isinstance(value, dict) or set(value) != set(_FIELDS):
        raise HistoryFileError(f"{where}: an event has exactly the fields {', '.join(_FIELDS)}")
    seq = value["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise HistoryFileError(f"{where}: seq must be a positive whole number")
    for name in _TEXT:
        if not isinstance(value[name], str) or not value[name] or len(value[name]) > 200:
            raise HistoryFileError(f"{where}: {name} must be a text of 1 to 200 characters")
    for name in ("prev_hash", "hash"):
        if not isinstance(value[name], str) or not _HASH_RE.match(value[name]):
            raise HistoryFileError(f"{where}: {name} must be a SHA-256 in hex")
    for name in ("before", "after"):
        if value[name] is not None and not isinstance(value[name], dict):
            raise HistoryFileError(f"{where}: {name} must be a record (an object) or null")
    return history.StoredEvent(**value)


def read_history(directory: Path) -> Iterator[history.StoredEvent]:
    """The events of ``history.jsonl`` in file order; HistoryFileError for anything malformed."""
    with _open(directory / HISTORY_FILE) as handle:
        number = 0
        while True:
            line = handle.readline(MAX_EVENT_BYTES + 1)
            if not line:
                return
            number += 1
            where = f"{HISTORY_FILE}:{number}"
            if len(line) > MAX_EVENT_BYTES:
                raise HistoryFileError(f"{where}: longer than {MAX_EVENT_BYTES // (1024 * 1024)} MiB")
            try:
                value = read_json(line, where, limits=EVENT_LIMITS)
            except InputError as exc:
                raise HistoryFileError(exc.message) from None
            yield _event(value, where)
