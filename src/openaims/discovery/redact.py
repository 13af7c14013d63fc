"""Redaction and salted fingerprints for secret values.

A secret value found in a scanned tree is never stored or printed. What
leaves the detector is :func:`redact` (a short, non-secret prefix such as
``sk-proj-`` and the last four characters) and :func:`fingerprint` (a salted
HMAC-SHA256, so the same key can be recognised in another file or another
scan without keeping the key itself).
"""

from __future__ import annotations

import hashlib
import hmac
import re

#: Most characters of the value :func:`redact` shows before the ellipsis.
MAX_PREFIX = 11
#: Characters shown at the end.
TAIL = 4
#: At least this many characters of the value stay hidden.
MIN_HIDDEN = 12

ELLIPSIS = "…"

# A key's type prefix: short letter-led segments ending in "-" or "_"
# ("sk-", "sk-proj-", "github_pat_", "lsv2_pt_"), or an AWS-style four-letter
# upper-case head ("AKIA").
_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9]{0,7}[-_]")
_UPPER_HEAD = re.compile(r"(?:AKIA|ASIA|ABIA|ACCA|AIza)")


def _type_prefix(value: str) -> str:
    head = _UPPER_HEAD.match(value)
    if head:
        return head.group(0)
    prefix = ""
    pos = 0
    while True:
        seg = _SEGMENT.match(value, pos)
        if seg is None or len(prefix) + len(seg.group(0)) > MAX_PREFIX:
            break
        word = seg.group(0)
        # Type words are short or lower-case ("proj-", "svcacct-"); a longer
        # mixed segment is more likely the random part of the key.
        if len(word) > 5 and not (word[:-1].isalpha() and word[:-1].islower()):
            break
        prefix += word
        pos = seg.end()
    return prefix


def redact(value: str, prefix: str | None = None) -> str:
    """A display form of ``value`` that does not reveal it.

    Shows at most a short type prefix and the last four characters, e.g.
    ``sk-proj-…a1B2``; short values show less (never more than a quarter of
    a value shorter than 16 characters). ``prefix`` is the key type's known
    prefix when the caller knows it (``""`` for keys without one); otherwise
    it is guessed from the value's leading segments.
    """
    if len(value) < 16:
        return ELLIPSIS + value[-2:] if len(value) >= 8 else ELLIPSIS
    if prefix is None:
        prefix = _type_prefix(value)
    elif not value.startswith(prefix):
        prefix = ""
    prefix = prefix[:MAX_PREFIX]
    while prefix and len(value) - len(prefix) - TAIL < MIN_HIDDEN:
        prefix = prefix[:-1]
    return f"{prefix}{ELLIPSIS}{value[-TAIL:]}"


def fingerprint(value: str, salt: str) -> str:
    """``sha256:`` and the hex HMAC-SHA256 of ``value`` keyed with ``salt``."""
    digest = hmac.new(salt.encode("utf-8"), value.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return "sha256:" + digest.hexdigest()
