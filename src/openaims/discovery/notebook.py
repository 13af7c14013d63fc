"""Code cells of Jupyter notebooks, with their lines mapped back to the file.

A notebook is JSON; its code sits in ``cells[].source`` as a list of strings
(one per line, as nbformat writes it) or as one string. Detectors want that
code, and findings want the line of the ``.ipynb`` file where a user sees it.
:func:`code_cells` parses the JSON (never executes anything) and locates each
source string in the raw text, in order, to recover its file line.

The JSON is read by :func:`openaims.untrusted.read_notebook` (bounded size, depth and
values, duplicate keys refused). It never raises: malformed or hostile input gives
an empty list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from openaims.untrusted import SCAN_LIMITS, InputError, read_notebook

#: Refuse to look at more cells than this (hostile input).
MAX_CELLS = 20_000
#: Stop locating source strings after this many were not found verbatim
#: (a writer that escapes differently); later lines reuse the last line.
MAX_MISSES = 64

_MAGIC = re.compile(r"^[ \t]*[%!?]")
_CELL_MAGIC = re.compile(r"^[ \t]*%%(\w*)")
#: Cell magics whose body is still Python (``%%time``); others (``%%bash``,
#: ``%%writefile``) hold another language or plain text.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "memit"})


@dataclass(frozen=True, slots=True)
class CodeCell:
    """One code cell.

    ``lines[i]`` is the 1-based line of the notebook file holding line ``i``
    (0-based) of :attr:`source`.
    """

    index: int
    source: str
    lines: tuple[int, ...]
    language: str

    def file_line(self, cell_line: int) -> int:
        """File line of the 1-based ``cell_line`` of this cell (clamped)."""
        if not self.lines:
            return 1
        i = min(max(cell_line - 1, 0), len(self.lines) - 1)
        return self.lines[i]

    def python_source(self) -> str:
        """The source with IPython magics and shell escapes blanked.

        Line count is preserved so :meth:`file_line` still applies. A cell
        that starts with a non-Python cell magic (``%%bash``) becomes blank;
        under ``%%time`` and the like only the magic line is blanked.
        """
        lines = self.source.split("\n")
        cell_magic = _CELL_MAGIC.match(lines[0])
        if cell_magic and cell_magic.group(1) not in _PYTHON_CELL_MAGICS:
            return "\n" * (len(lines) - 1)
        return "\n".join("" if _MAGIC.match(line) else line for line in lines)


class _Locator:
    """Finds JSON-encoded strings in the raw text, moving forward only."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self._line_pos = 0
        self.misses = 0

    def _line_at(self, offset: int) -> int:
        if offset >= self._line_pos:
            self.line += self.text.count("\n", self._line_pos, offset)
        else:  # pragma: no cover - offsets only grow
            self.line = self.text.count("\n", 0, offset) + 1
        self._line_pos = offset
        return self.line

    def find(self, part: str) -> int | None:
        """File line where the JSON string literal ``part`` starts, or None."""
        if self.misses >= MAX_MISSES:
            return None
        for encoded in (json.dumps(part, ensure_ascii=False), json.dumps(part)):
            at = self.text.find(encoded, self.pos)
            if at >= 0:
                self.pos = at + len(encoded)
                return self._line_at(at)
        self.misses += 1
        return None


def code_cells(text: str) -> list[CodeCell]:
    """The code cells of the notebook ``text``; ``[]`` when it is not one (or is refused
    by the bounded reader: too large, too deep, duplicate keys)."""
    try:
        notebook = read_notebook(text, "<notebook>", limits=SCAN_LIMITS)
    except InputError:
        return []
    locator = _Locator(text)
    out: list[CodeCell] = []
    for cell in notebook.cells:
        if cell.index >= MAX_CELLS:
            break
        if cell.cell_type != "code":
            continue
        parts = cell.parts
        source = "".join(parts)
        lines: list[int] = []
        last = locator.line
        for part in parts:
            found = locator.find(part)
            line = found if found is not None else last
            # One JSON string may hold several source lines (a cell stored
            # as a single string): they all sit on that file line.
            pieces = part.count("\n") + (0 if part.endswith("\n") else 1)
            lines.extend([line] * pieces)
            last = line
        n_lines = source.count("\n") + 1
        if len(lines) < n_lines:
            lines.extend([last] * (n_lines - len(lines)))
        out.append(
            CodeCell(index=cell.index, source=source, lines=tuple(lines[:n_lines]), language=notebook.language)
        )
    return out
