"""Tables that fit the terminal without wrapping.

A table is laid out for the console's width: columns keep their natural width when
they fit; otherwise the widest shrinkable columns are shortened (text from the right,
paths from the left, each with an ellipsis), a column marked ``under`` moves to its
own line under the row, and optional columns are dropped, least useful first. No
cell ever wraps, so nothing is broken mid-word at 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from openaims.untrusted.display import printable

ELLIPSIS = "…"
#: Space between two columns.
GAP = 2


@dataclass(frozen=True)
class Column:
    """One column of a :func:`fit_table`."""

    header: str
    #: Narrowest the column may become by shortening its text (``0``: never shortened).
    min_width: int = 0
    #: Where text that does not fit is cut: ``right`` for names and text, ``left`` for paths.
    cut: Literal["right", "left"] = "right"
    #: Rank among the columns that may be dropped when the table does not fit (1 is dropped
    #: first); ``0``: never dropped.
    drop: int = 0
    #: Moved to a line of its own under the row (before any column is dropped) when the
    #: table does not fit.
    under: bool = False
    justify: Literal["left", "right"] = "left"
    style: str = ""
    #: Under the row, the text is wrapped at spaces over as many lines as it needs
    #: (instead of shortened to one line).
    wrap: bool = False


def shorten(text: str, width: int, cut: Literal["right", "left"] = "right") -> str:
    """``text`` in at most ``width`` cells: cut on the ``cut`` side with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    if width == 1:
        return ELLIPSIS
    budget = width - 1
    chars = list(text) if cut == "right" else list(reversed(text))
    kept: list[str] = []
    used = 0
    for char in chars:
        size = cell_len(char)
        if used + size > budget:
            break
        kept.append(char)
        used += size
    if cut == "right":
        return "".join(kept) + ELLIPSIS
    return ELLIPSIS + "".join(reversed(kept))


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.plain if isinstance(value, Text) else str(value)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` over lines of at most ``width`` cells, broken at spaces; a word longer than a
    line is shortened rather than split."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = shorten(word, width)
    if current:
        lines.append(current)
    return lines


def _pad(text: str, width: int, justify: str) -> str:
    room = width - cell_len(text)
    return (" " * room + text) if justify == "right" else (text + " " * room)


def _plan(
    columns: Sequence[Column], natural: list[int], width: int, indent: int
) -> tuple[list[int], list[int], list[int]]:
    """(inline column indexes, their widths, indexes moved under the row)."""
    mins = [min(c.min_width, n) if c.min_width else n for c, n in zip(columns, natural, strict=True)]
    under = [i for i, c in enumerate(columns) if c.under]
    droppable = sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: columns[i].drop)
    layouts: list[tuple[set[int], set[int]]] = [(set(), set())]
    if under:
        layouts.append((set(under), set()))
    dropped: set[int] = set()
    for index in droppable:
        dropped = dropped | {index}
        layouts.append((set(under), set(dropped)))
    chosen = layouts[-1]
    for moved, gone in layouts:
        shown = [i for i in range(len(columns)) if i not in moved and i not in gone]
        # A column that can move under the row stays inline only at its full width.
        need = [natural[i] if columns[i].under else mins[i] for i in shown]
        if sum(need) + GAP * (len(shown) - 1) + indent <= width:
            chosen = (moved, gone)
            break
    moved, gone = chosen
    shown = [i for i in range(len(columns)) if i not in moved and i not in gone]
    widths = {i: natural[i] for i in shown}
    floor = {i: natural[i] if columns[i].under else mins[i] for i in shown}
    excess = sum(widths.values()) + GAP * (len(shown) - 1) + indent - width
    while excess > 0:
        # Shorten the column with the most room above its minimum, one cell at a time.
        index = max(shown, key=lambda i: (widths[i] - floor[i], widths[i]))
        if widths[index] <= floor[index]:
            break
        widths[index] -= 1
        excess -= 1
    return shown, [widths[i] for i in shown], [i for i in range(len(columns)) if i in moved]


def fit_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    width: int,
    *,
    title: str | None = None,
    indent: int = 0,
    header: bool = True,
) -> list[Text]:
    """The lines of a table of ``rows`` laid out for ``width`` cells (see the module)."""
    cells = [[printable(_text(value)) for value in row] for row in rows]
    styles = [[str(value.style) if isinstance(value, Text) else "" for value in row] for row in rows]
    natural = [
        max([cell_len(column.header) if header else 1, *(cell_len(row[i]) for row in cells)])
        for i, column in enumerate(columns)
    ]
    shown, widths, under = _plan(columns, natural, width, indent)
    lines: list[Text] = []
    if title:
        lines.append(Text(shorten(title, width), style="bold"))
    pad = " " * indent
    gap = " " * GAP
    if header:
        heading = Text(pad)
        for n, (index, size) in enumerate(zip(shown, widths, strict=True)):
            if n:
                heading.append(gap)
            column = columns[index]
            label = shorten(column.header, size)
            last = n == len(shown) - 1
            heading.append(label if last and column.justify == "left" else _pad(label, size, column.justify),
                           style="bold")  # fmt: skip
        heading.rstrip()
        lines.append(heading)
    for row, row_styles in zip(cells, styles, strict=True):
        line = Text(pad)
        for n, (index, size) in enumerate(zip(shown, widths, strict=True)):
            if n:
                line.append(gap)
            column = columns[index]
            value = shorten(row[index], size, column.cut)
            last = n == len(shown) - 1
            cell = value if last and column.justify == "left" else _pad(value, size, column.justify)
            line.append(cell, style=row_styles[index] or column.style)
        line.rstrip()
        lines.append(line)
        for index in under:
            if row[index]:
                room = width - indent - 4
                column = columns[index]
                parts = _wrap(row[index], room) if column.wrap else [shorten(row[index], room, column.cut)]
                lines.extend(Text(pad + "    " + part, style=column.style or "dim") for part in parts)
    for line in lines:  # columns that cannot give way (an id longer than the terminal) are cut
        if cell_len(line.plain) > width:
            line.truncate(width, overflow="ellipsis")
    return lines


def print_lines(out: Console, lines: Sequence[Text]) -> None:
    """Print lines as they are: no wrapping, no markup, nothing highlighted."""
    for line in lines:
        out.print(line, no_wrap=True, overflow="ellipsis", crop=True, highlight=False, soft_wrap=False)


def print_table(
    out: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = None,
    indent: int = 0,
    header: bool = True,
) -> None:
    """:func:`fit_table` for ``out``'s width, printed."""
    print_lines(out, fit_table(columns, rows, out.width, title=title, indent=indent, header=header))
