"""Spreadsheet cells that cannot run: defusing formula ("CSV") injection.

Spreadsheet programs treat a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula, and some skip a leading tab or carriage return first. A record field that
begins so (``=HYPERLINK("https://evil.example", "click")``) would run when an
auditor opens an export. Every text cell that OpenAIMS writes to a spreadsheet goes
through this module:

- CSV: such a cell is written with a leading apostrophe (the OWASP advice), which
  spreadsheet programs show as text; ``aims csv import`` takes it off again, so an
  export imports back unchanged. A text that already begins with an apostrophe
  followed by one of those characters (or another apostrophe) gets one more, so the
  round trip is exact for every text.
- xlsx: every text is stored as a text cell (never a formula) and one that begins
  with a trigger is also marked "quote prefix", so editing it in Excel keeps it text.

Numbers are not texts: ``-5`` from an integer field stays a number.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet program evaluate a cell.
TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r"})
QUOTE = "'"


def needs_defusing(text: str) -> bool:
    """True when a spreadsheet program could read ``text`` as a formula."""
    return text[:1] in TRIGGERS


def defuse(text: str) -> str:
    """``text`` as a CSV cell that a spreadsheet program shows as text (see :func:`restore`)."""
    if needs_defusing(text) or (text[:1] == QUOTE and (text[1:2] in TRIGGERS or text[1:2] == QUOTE)):
        return QUOTE + text
    return text


def restore(cell: str) -> str:
    """The text :func:`defuse` was given: one leading apostrophe before a trigger (or apostrophe) comes off."""
    if cell[:1] == QUOTE and (cell[1:2] in TRIGGERS or cell[1:2] == QUOTE):
        return cell[1:]
    return cell


def csv_cell(value: Any) -> Any:
    """A value for :mod:`csv`: texts defused, numbers and everything else unchanged."""
    return defuse(value) if isinstance(value, str) else value


def xlsx_text(cell: Any, value: str) -> None:
    """Store ``value`` in an openpyxl cell as text, never as a formula."""
    cell.value = value
    cell.data_type = "s"  # openpyxl makes a formula of any text that begins with "="
    if needs_defusing(value):
        cell.quotePrefix = True


def xlsx_texts(sheet: Any) -> None:
    """Make every text cell of an openpyxl worksheet a text cell (for sheets built with ``append``)."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                xlsx_text(cell, cell.value)


__all__ = ["TRIGGERS", "csv_cell", "defuse", "needs_defusing", "restore", "xlsx_text", "xlsx_texts"]
