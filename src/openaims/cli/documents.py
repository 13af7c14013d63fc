"""Writing a document people read (PDF, Word, Markdown): the format from --format or the file name.

The renderers are imported only when a document is written, so the commands that offer documents
start as fast as the others.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from openaims.cli.console import check_output, console, write_file
from openaims.errors import UsageError

if TYPE_CHECKING:
    from openaims.reports.document import Document


class DocumentFormat(enum.StrEnum):
    """The formats of documents people read (the values of ``openaims.reports.document.DocFormat``)."""

    PDF = "pdf"
    DOCX = "docx"
    MD = "md"


OrganisationOption = typer.Option(
    "Our organisation", "--organisation", envvar="AIMS_ORGANISATION", help="Organisation name on every page."
)
DocFormatOption = typer.Option(None, "--format", "-f", help="pdf, docx or md (default: from the file name).")


def document_format(
    output: Path, fmt: DocumentFormat | None, allowed: tuple[DocumentFormat, ...] = tuple(DocumentFormat)
) -> DocumentFormat:
    """``fmt``, or the format the file name ends with; a usage error when neither says."""
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in {f.value for f in allowed}:
            names = ", ".join(f".{f.value}" for f in allowed)
            raise UsageError(f"cannot tell the format from {output.name!r}; name it {names}, or pass --format")
        fmt = DocumentFormat(suffix)
    if fmt not in allowed:
        raise UsageError(f"--format {fmt.value} is not offered here; use one of {', '.join(f.value for f in allowed)}")
    return fmt


def write_document(output: Path, document: Document, fmt: DocumentFormat) -> None:
    from openaims.reports.document import DocFormat, render

    data = render(document, DocFormat(fmt.value))
    write_file(output, data)
    console.print(f"Wrote {document.meta.title} to {output} ({len(data):,} bytes).", markup=False, soft_wrap=True)


__all__ = [
    "DocFormatOption", "DocumentFormat", "OrganisationOption", "check_output", "document_format", "write_document",
]  # fmt: skip
