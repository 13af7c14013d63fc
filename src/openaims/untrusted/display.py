"""Untrusted text made safe to show on a terminal or to write into XML.

A scanned file may be named ``evil\\x1b]0;title\\x07\\x1b[2J``: printed raw, the name
would retitle the window, clear the screen or colour what follows; in XML it makes
the document invalid. :func:`printable` writes every control character (C0, DEL, C1,
line and paragraph separators, bidirectional overrides, byte-order marks, lone
surrogates) as a visible escape (``\\x1b``, ``\\u202e``), so what is shown is what
the name is, and nothing else happens.
"""

from __future__ import annotations

import re
from typing import Final

_UNSAFE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character that controls a terminal (or is not allowed in XML)
    written as a visible escape; other text is returned unchanged."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)
