"""Hidden or invisible text: Unicode tag characters, zero-width characters and
bidirectional overrides, with what they spell decoded in the message."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from openaims.lint.interface import Document, DocumentKind, Issue, Rule, Severity

_TAG_START, _TAG_END = 0xE0000, 0xE007F
_ZERO_WIDTH = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\u2061": "FUNCTION APPLICATION",
    "\u2062": "INVISIBLE TIMES",
    "\u2063": "INVISIBLE SEPARATOR",
    "\u2064": "INVISIBLE PLUS",
    "\u180e": "MONGOLIAN VOWEL SEPARATOR",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
}
_BIDI = {
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}
_ALL_TEXT = frozenset({DocumentKind.INSTRUCTIONS, DocumentKind.MCP_CONFIG, DocumentKind.SETTINGS})


def decode_tags(text: str) -> str:
    """What a run of Unicode tag characters spells (tags mirror ASCII)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if _TAG_START <= cp <= _TAG_END:
            inner = cp - _TAG_START
            if 0x20 <= inner < 0x7F:
                out.append(chr(inner))
    return "".join(out)


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TagCharacters(Rule):
    id = "AGENT010"
    title = "Invisible Unicode tag characters"
    severity = Severity.CRITICAL
    help = (
        "Unicode tag characters (U+E0000 to U+E007F) render as nothing but are read by language "
        "models, so they can carry instructions a reviewer never sees. Delete them; the message "
        "shows what they spell."
    )
    applies_to = _ALL_TEXT

    def check(self, doc: Document) -> Iterable[Issue]:
        for number, line in enumerate(doc.text.splitlines(), start=1):
            hidden = [ch for ch in line if _TAG_START <= ord(ch) <= _TAG_END]
            if not hidden:
                continue
            spelled = decode_tags("".join(hidden))
            yield Issue(
                line=number,
                message=f'{len(hidden)} invisible tag characters spelling "{_shorten(spelled)}"',
                anchor=f"tags:{spelled}",
            )


class ZeroWidthCharacters(Rule):
    id = "AGENT011"
    title = "Zero-width or invisible formatting characters"
    severity = Severity.HIGH
    help = (
        "Zero-width characters hide text from reviewers and can smuggle instructions or split "
        "words so filters miss them. Remove them unless the language of the text needs them."
    )
    applies_to = _ALL_TEXT

    def check(self, doc: Document) -> Iterable[Issue]:
        for number, line in enumerate(doc.text.splitlines(), start=1):
            found = [(i, ch) for i, ch in enumerate(line) if ch in _ZERO_WIDTH]
            if number == 1 and found and found[0] == (0, "\ufeff"):
                found = found[1:]  # a byte-order mark at the start of the file is fine
            if not found:
                continue
            names = sorted({_ZERO_WIDTH[ch] for _, ch in found})
            visible = "".join(ch for ch in line if ch not in _ZERO_WIDTH)
            near = visible[max(0, found[0][0] - 20) : found[0][0] + 20].strip()
            yield Issue(
                line=number,
                message=(
                    f"{len(found)} zero-width characters ({', '.join(names)}) "
                    f'near "{_shorten(near, 60)}"'
                ),
                anchor=f"zw:{visible.strip()}",
            )


class BidiOverrides(Rule):
    id = "AGENT012"
    title = "Bidirectional text override"
    severity = Severity.HIGH
    help = (
        "Bidirectional control characters make text display in a different order from how it "
        "is read (the 'Trojan Source' technique). Remove them from instruction and config files."
    )
    applies_to = _ALL_TEXT

    def check(self, doc: Document) -> Iterable[Issue]:
        for number, line in enumerate(doc.text.splitlines(), start=1):
            controls = [_BIDI[ch] for ch in line if ch in _BIDI]
            if not controls:
                continue
            logical = "".join(ch for ch in line if ch not in _BIDI)
            yield Issue(
                line=number,
                message=(
                    f"bidirectional controls {', '.join(dict.fromkeys(controls))}; "
                    f'the text in reading order is "{_shorten(logical.strip(), 100)}"'
                ),
                anchor=f"bidi:{unicodedata.normalize('NFC', logical.strip())}",
            )


RULES: list[Rule] = [TagCharacters(), ZeroWidthCharacters(), BidiOverrides()]
