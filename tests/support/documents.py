"""The text a reader sees in a PDF (pdftotext) or a Word document (python-docx), for assertions."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from docx import Document as WordDocument


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, whitespace collapsed."""
    target = tmp_path / "document.pdf"
    target.write_bytes(data)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    return " ".join(pdf_pages(data, tmp_path))


def docx_text(data: bytes) -> str:
    """Body paragraphs and table cells, whitespace collapsed."""
    word = WordDocument(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def docx_margins(data: bytes) -> list[str]:
    """The header and footer text of every section (Word repeats them on every page)."""
    word = WordDocument(io.BytesIO(data))
    out = []
    for section in word.sections:
        for part in (section.header, section.footer):
            out.append(" ".join(" ".join(p.text for p in part.paragraphs).split()))
    return out
