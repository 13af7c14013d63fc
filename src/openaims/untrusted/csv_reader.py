"""CSV from untrusted files: a header row of distinct names, then rows no wider than it,
with the line each row starts on; bounded in size and in cells."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openaims.untrusted.interface import DEFAULT_LIMITS, InputError, Limits, Problem
from openaims.untrusted.source import text_of


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: the line it starts on and its cells by column name (missing cells are empty)."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def read_csv(data: str | bytes, source: str = "<csv>", *, limits: Limits = DEFAULT_LIMITS) -> CsvTable:
    """The header and rows of a CSV document within ``limits``; :class:`InputError` for an
    empty file, a repeated or empty column name, a row wider than the header, or text the
    csv module cannot read."""
    text = text_of(data, source, limits)
    nul = text.find("\0")
    if nul >= 0:  # the csv module keeps it, and no database text column takes it
        raise InputError(source, "holds a NUL character", line=text.count("\n", 0, nul) + 1)
    # No cell can be longer than the whole input, which is already bounded.
    if csv.field_size_limit() < limits.max_bytes:
        csv.field_size_limit(limits.max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] | None = None
    rows: list[CsvRow] = []
    cells = 0
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if header is None:
                header = _header(record, source, line)
                cells += len(header)
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                raise InputError(
                    source,
                    f"{len(record)} cells but the header names {len(header)} columns",
                    line=line,
                    problem=Problem.SHAPE,
                )
            cells += len(header)
            if cells > limits.max_elements:
                raise InputError(
                    source, f"holds more than {limits.max_elements} cells", line=line, problem=Problem.TOO_MANY
                )
            padded = [*record, *([""] * (len(header) - len(record)))]
            rows.append(CsvRow(line, dict(zip(header, padded, strict=True))))
    except csv.Error as exc:
        raise InputError(source, f"not valid CSV: {exc}", line=reader.line_num or None) from None
    if header is None:
        raise InputError(source, "is empty; it needs a header row of column names", problem=Problem.SHAPE)
    return CsvTable(header, tuple(rows))


def _header(record: list[str], source: str, line: int) -> tuple[str, ...]:
    names = [name.strip() for name in record]
    if not any(names):
        raise InputError(
            source, "the first row is empty; it needs a header row of column names", line=line, problem=Problem.SHAPE
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(names, start=1):
        if not name:
            raise InputError(source, f"column {index} of the header has no name", line=line, problem=Problem.SHAPE)
        if name in seen:
            raise InputError(
                source,
                f"duplicate column {name!r} (columns {seen[name]} and {index})",
                line=line,
                problem=Problem.DUPLICATE_KEY,
            )
        seen[name] = index
    return tuple(names)
