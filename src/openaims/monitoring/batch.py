"""Read a batch of predictions (CSV or Parquet) as its plan declares it, or say exactly what is wrong.

Only the declared columns are read (with Arrow, column by column), so a wide file costs what
its monitored columns cost. Every problem is one line naming the file, the column and the
first row where it occurs; nothing is computed from a batch that has one.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openaims.monitoring.interface import BatchError, Columns

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})


@dataclass(frozen=True)
class Batch:
    """The declared columns of one file, typed: binary outcomes as 0/1, groups as text."""

    path: Path
    sha256: str
    rows: int
    frame: pd.DataFrame

    @property
    def label(self) -> str:
        return f"{self.path.name} (sha256 {self.sha256[:16]}, {self.rows} rows)"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _header(path: Path, is_csv: bool) -> list[str]:
    if is_csv:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            first = next(csv.reader(handle), None)
        if first is None:
            raise BatchError(f"{path}: the file is empty (no header row, no data)")
        return [c.strip() for c in first]
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise BatchError(f"{path}: not a readable Parquet file ({_one_line(exc)})") from None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _row(index: int, is_csv: bool) -> str:
    return f"row {index + 1} (line {index + 2})" if is_csv else f"row {index + 1}"


def read_batch(path: Path, columns: Columns, *, required: tuple[str, ...], what: str = "predictions") -> Batch:
    """Read ``path`` (``.csv``, ``.parquet``): ``required`` columns must be there, the other declared
    ones are read when present. Raises :class:`BatchError` naming the column and row of the first problem."""
    import pyarrow as pa

    if not path.is_file():
        raise BatchError(f"{path}: no such file ({what} batch)")
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        raise BatchError(f"{path}: a {what} batch is a .csv or .parquet file")
    is_csv = suffix in CSV_SUFFIXES
    header = _header(path, is_csv)
    missing = [c for c in required if c not in header]
    if missing:
        raise BatchError(
            f"{path}: column {missing[0]!r} declared in the monitoring plan is missing (row 1, the header"
            + (f"; also missing: {', '.join(missing[1:])})" if missing[1:] else ")")
        )
    wanted = [c for c in columns.all() if c in header]
    try:
        if is_csv:
            import pyarrow.csv as pacsv

            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(use_threads=False, block_size=16 << 20),
                convert_options=pacsv.ConvertOptions(
                    include_columns=wanted, strings_can_be_null=True, null_values=["", "NA", "null"],
                    column_types=dict.fromkeys([g for g in columns.groups if g in wanted], pa.string()),
                ),
            )  # fmt: skip
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path, columns=wanted, use_threads=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, ValueError) as exc:
        raise BatchError(f"{path}: cannot be read as {what} ({_one_line(exc)})") from None
    if table.num_rows == 0:
        raise BatchError(f"{path}: has a header but no rows of {what}")
    frame = _typed(path, table, columns, is_csv)
    return Batch(path=path, sha256=file_digest(path), rows=table.num_rows, frame=frame)


def _typed(path: Path, table: object, columns: Columns, is_csv: bool) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    assert isinstance(table, pa.Table)
    out: dict[str, object] = {}
    names = set(table.column_names)
    for name in (columns.prediction, columns.label):
        if name and name in names:
            out[name] = _binary(path, name, table.column(name), is_csv)
    if columns.score and columns.score in names:
        score = _numeric(path, columns.score, table.column(columns.score), is_csv, nulls=False)
        out[columns.score] = score
    for name in columns.groups:
        if name in names:
            column = table.column(name)
            nulls = column.is_null()
            if column.null_count:
                raise BatchError(f"{path}: column {name!r} has no group at {_row(_first_true(nulls), is_csv)}")
            out[name] = _categories(column)
    for name in columns.features:
        if name in names and name not in out:
            column = table.column(name)
            if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_boolean(
                column.type
            ):
                out[name] = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
            else:
                out[name] = _categories(column)
    return pd.DataFrame(out, copy=False)


def _categories(column: object) -> pd.Categorical:
    """Text values as a categorical, encoded by Arrow (no Python string per row)."""
    import pandas as pd
    import pyarrow as pa

    assert isinstance(column, pa.ChunkedArray)
    return pd.Categorical(column.cast(pa.string()).dictionary_encode().to_pandas())


def _first_true(mask: object) -> int:
    import numpy as np
    import pyarrow as pa

    values = mask.to_numpy(zero_copy_only=False) if isinstance(mask, pa.ChunkedArray | pa.Array) else mask
    return int(np.argmax(np.asarray(values)))


def _binary(path: Path, name: str, column: object, is_csv: bool) -> np.ndarray:
    """0/1 outcomes from integers, booleans or the words true/false, yes/no."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(column, pa.ChunkedArray)
    if column.null_count:
        raise BatchError(f"{path}: column {name!r} is empty at {_row(_first_true(column.is_null()), is_csv)}")
    if pa.types.is_boolean(column.type):
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int8)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.to_numpy(zero_copy_only=False)
        bad = ~np.isin(values, (0, 1))
        if bad.any():
            index = int(np.argmax(bad))
            raise BatchError(
                f"{path}: column {name!r} holds {values[index]!r} at {_row(index, is_csv)}; "
                "predictions and labels are 0 or 1 (or true/false)"
            )
        return np.asarray(values, dtype=np.int8)
    text = pc.utf8_lower(pc.utf8_trim_whitespace(column.cast(pa.string())))
    is_true = pc.is_in(text, value_set=pa.array(sorted(_TRUE)))
    is_false = pc.is_in(text, value_set=pa.array(sorted(_FALSE)))
    bad = pc.invert(pc.or_(is_true, is_false))
    if pc.any(bad).as_py():
        index = _first_true(bad)
        raise BatchError(
            f"{path}: column {name!r} holds {column[index].as_py()!r} at {_row(index, is_csv)}; "
            "predictions and labels are 0 or 1 (or true/false)"
        )
    return np.asarray(is_true.to_numpy(zero_copy_only=False), dtype=np.int8)


def _numeric(path: Path, name: str, column: object, is_csv: bool, *, nulls: bool) -> np.ndarray:
    import numpy as np
    import pyarrow as pa

    assert isinstance(column, pa.ChunkedArray)
    if not nulls and column.null_count:
        raise BatchError(f"{path}: column {name!r} is empty at {_row(_first_true(column.is_null()), is_csv)}")
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    import pandas as pd

    raw = column.cast(pa.string()).to_numpy(zero_copy_only=False)
    values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & pd.notna(raw)
    if not bad.any():
        return np.asarray(values, dtype=np.float64)
    index = int(np.argmax(bad))
    raise BatchError(f"{path}: column {name!r} holds {raw[index]!r} at {_row(index, is_csv)}, not a number")
