"""Jupyter notebooks from untrusted files: bounded JSON, then the nbformat shape (cells in
``cells``, or in ``worksheets`` for nbformat 3) as plain typed values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openaims.untrusted.interface import SCAN_LIMITS, InputError, Limits, Problem
from openaims.untrusted.json_reader import read_json


@dataclass(frozen=True, slots=True)
class NotebookCell:
    """One cell: its position, its type (``code``, ``markdown``, ``raw``) and its source as
    the strings the file holds (one per line, as nbformat writes them, or a single one)."""

    index: int
    cell_type: str
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notebook:
    language: str
    cells: tuple[NotebookCell, ...]


def read_notebook(data: str | bytes, source: str = "<notebook>", *, limits: Limits = SCAN_LIMITS) -> Notebook:
    """The kernel language and cells of a notebook within ``limits``; :class:`InputError`
    when it is not bounded JSON or not shaped as a notebook. Cells whose source is not
    text are left out (a damaged cell does not hide the others)."""
    doc = read_json(data, source, limits=limits)
    if not isinstance(doc, dict):
        raise InputError(source, "is not a notebook (a JSON object with cells)", problem=Problem.SHAPE)
    raw = doc.get("cells")
    if not isinstance(raw, list):
        raw = []
        sheets = doc.get("worksheets")  # nbformat 3
        if not isinstance(sheets, list):
            raise InputError(source, "is not a notebook (no cells)", problem=Problem.SHAPE)
        for sheet in sheets:
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list):
                raw.extend(sheet["cells"])
    cells: list[NotebookCell] = []
    for index, cell in enumerate(raw):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            continue
        parts = _parts(cell.get("source", cell.get("input")))
        if parts is not None:
            cells.append(NotebookCell(index, cell["cell_type"], parts))
    return Notebook(_language(doc), tuple(cells))


def _parts(source: Any) -> tuple[str, ...] | None:
    if isinstance(source, str):
        return (source,)
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return tuple(source)
    return None


def _language(doc: dict[str, Any]) -> str:
    """The kernel language (``python`` when the notebook does not say)."""
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        info = meta.get("language_info")
        if isinstance(info, dict) and isinstance(info.get("name"), str):
            return str(info["name"]).lower()
        spec = meta.get("kernelspec")
        if isinstance(spec, dict) and isinstance(spec.get("language"), str):
            return str(spec["language"]).lower()
    return "python"
