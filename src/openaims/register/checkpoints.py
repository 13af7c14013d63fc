"""Signed checkpoints of the history: the chain head, signed with the organisation key.

The hash chain shows that no event was changed *unless every later hash was
recomputed*. Someone who can write the database can do exactly that. A checkpoint,
kept where that person cannot write (a git repository, the evidence store, a ticket),
records the hash of event #N signed with the organisation's key: if any event up to
#N was changed, the recomputed hash of #N differs from the signed one, whatever else
was recomputed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.errors import AimsError, UsageError
from openaims.register import history
from openaims.register.keys import OrganisationKey, PublicKey, open_document, sign_document
from openaims.untrusted import InputError, Limits, Problem, read_json

KIND = "openaims-history-checkpoint/v1"
#: Largest checkpoint file read.
MAX_CHECKPOINT_BYTES = 64 * 1024
CHECKPOINT_LIMITS = Limits(max_bytes=MAX_CHECKPOINT_BYTES, max_depth=16, max_elements=1000)


class CheckpointRefusedError(AimsError):
    """No checkpoint is signed over a chain that does not verify (exit 1)."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: event ``seq`` had ``hash``; ``first_hash`` names the chain."""

    seq: int
    hash: str
    first_hash: str | None
    at: str
    by: str
    key_id: str
    source: str

    def describe(self) -> str:
        return f"checkpoint {self.source} (event #{self.seq}, signed by {self.by} at {self.at})"


def make_checkpoint(
    session: Session, key: OrganisationKey, *, actor: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Verify the chain, then sign its head; CheckpointRefusedError if it does not verify."""
    report = history.verify(session)
    if not report.ok:
        assert report.problem is not None
        raise CheckpointRefusedError(
            f"the history does not verify, so it cannot be signed: {report.problem.describe()}"
        )
    if report.events == 0:
        raise CheckpointRefusedError("the history is empty; there is nothing to sign yet")
    payload = {
        "kind": KIND,
        "seq": report.head_seq,
        "hash": report.head_hash,
        "first_hash": report.first_hash,
        "events": report.events,
        "at": history.format_at(now or dt.datetime.now(dt.UTC)),
        "by": actor,
    }
    return sign_document(key, payload)


def dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_checkpoint(path: Path, trusted: PublicKey, *, source: str | None = None) -> Checkpoint:
    """Load and check a checkpoint file: UsageError if malformed, SignatureInvalidError if forged."""
    try:
        if path.stat().st_size > MAX_CHECKPOINT_BYTES:
            raise UsageError(f"{path} is larger than a checkpoint can be ({MAX_CHECKPOINT_BYTES // 1024} KiB)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no checkpoint file {path}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a checkpoint (not UTF-8 text)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_checkpoint(text, trusted, source=source or str(path))


def parse_checkpoint(text: str, trusted: PublicKey, *, source: str) -> Checkpoint:
    try:
        envelope = read_json(text, source, limits=CHECKPOINT_LIMITS)
    except InputError as exc:
        if exc.problem is Problem.SYNTAX:
            raise UsageError(f"{source} is not a checkpoint (not JSON)") from None
        raise  # one line naming the file, the line and what is wrong (a duplicate key, nesting)
    payload = open_document(envelope, trusted, name=source)
    seq, digest, first = payload.get("seq"), payload.get("hash"), payload.get("first_hash")
    if payload.get("kind") != KIND or not isinstance(seq, int) or seq < 1 or not isinstance(digest, str):
        raise UsageError(f"{source} is signed but is not a history checkpoint ({KIND})")
    return Checkpoint(
        seq=seq,
        hash=digest,
        first_hash=first if isinstance(first, str) else None,
        at=str(payload.get("at", "")),
        by=str(payload.get("by", "")),
        key_id=trusted.key_id,
        source=source,
    )


def check(
    checkpoint: Checkpoint, report: history.ChainReport, stored: Mapping[int, str], *, last_seq: int
) -> str | None:
    """What is wrong with the register's history given ``checkpoint``, or None if it holds.

    ``stored`` maps event numbers (at least the checkpoint's) to the hash the register
    holds for them; ``last_seq`` is the number of the newest event.
    """
    if report.first_hash is not None and checkpoint.first_hash and report.first_hash != checkpoint.first_hash:
        return (
            f"{checkpoint.describe()} is for another history: event #1 differs. Either it belongs to "
            "another register or the whole history was rebuilt since"
        )
    if checkpoint.seq not in stored:
        last = last_seq
        return (
            f"{checkpoint.describe()} covers events up to #{checkpoint.seq}, but the history "
            f"{'ends at #' + str(last) if last else 'is empty'}: events were removed since it was signed"
        )
    if stored[checkpoint.seq] != checkpoint.hash:
        return (
            f"{checkpoint.describe()}: event #{checkpoint.seq} no longer has the signed hash; events up to "
            f"#{checkpoint.seq} were altered and their hashes recomputed (the history was rebuilt)"
        )
    earlier = [p for p in report.problems if p.seq <= checkpoint.seq]
    if earlier:
        return f"{checkpoint.describe()}: the history before it does not verify ({earlier[0].describe()})"
    return None
