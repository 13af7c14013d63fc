"""Stable fingerprints of violations.

A fingerprint identifies *what* is wrong and *where* (rule, file, subject such as
``pypi:torch``, the MCP server's name or the key's salted hash), never the line:
moving a prohibited dependency to another line of the same file keeps its
fingerprint, so diff mode reports it as existing and baselines keep matching.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

#: Key of the fingerprint in SARIF ``partialFingerprints``.
FINGERPRINT_KEY: Final = "openaims/v1"

_LINE_REFERENCE = re.compile(r"\b(?:lines?|col(?:umn)?s?)\s+\d+(?:\s*[-:]\s*\d+)?", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, line and column references removed, white space collapsed."""
    return _SPACE.sub(" ", _LINE_REFERENCE.sub("", text)).strip().lower()


def fingerprint(rule_id: str, path: str, subject: str) -> str:
    """The fingerprint of a violation of ``rule_id`` about ``subject`` in ``path``."""
    payload = "\0".join(("v1", rule_id, path, normalise(subject)))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
