"""Documents people read, as one model rendered to PDF (reportlab) and Word (python-docx).

A report builds a :class:`Document` (headings, paragraphs, lists, tables, fields, gaps and
sign-off lines) from the register; the renderers here put the organisation, the title,
the version, the date, the author and the approver on every page. A gap (something the
register lacks) is a block of its own, printed as "GAP: ..." so it is never mistaken for
content and never silently left out.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, assert_never

GAP_PREFIX = "GAP: "


@dataclass(frozen=True)
class Meta:
    organisation: str
    title: str
    version: str
    date: dt.date
    author: str | None = None
    approver: str | None = None
    generator: str = ""
    #: A second footer line (default: which program generated the document).
    footer: str | None = None

    @property
    def stamp(self) -> str:
        return (
            f"{self.organisation} - {self.title} - version {self.version} - {self.date.isoformat()} - "
            f"author: {self.author or 'not recorded'} - approver: {self.approver or 'not approved'}"
        )


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Gap:
    """Something the register does not hold: printed as ``GAP: text``."""

    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Fields:
    """Label/value pairs; a value of None is a gap."""

    pairs: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Relative column widths (defaults to equal).
    widths: tuple[int, ...] = ()


@dataclass(frozen=True)
class SignOff:
    """Lines for people to sign: (role, name if known)."""

    lines: tuple[tuple[str, str | None], ...]


Block = Heading | Para | Gap | Bullets | Fields | Table | SignOff


@dataclass
class Document:
    meta: Meta
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Document:
        self.blocks.extend(blocks)
        return self

    def text(self) -> str:
        """The plain text of every block (what a reader sees), for tests and search."""
        return to_markdown(self)


class DocFormat(enum.StrEnum):
    MD = "md"
    PDF = "pdf"
    DOCX = "docx"


def render(document: Document, fmt: DocFormat) -> bytes:
    if fmt is DocFormat.MD:
        return to_markdown(document).encode("utf-8")
    if fmt is DocFormat.PDF:
        return to_pdf(document)
    if fmt is DocFormat.DOCX:
        return to_docx(document)
    assert_never(fmt)


def _value(value: str | None) -> str:
    return value if value not in (None, "") else f"{GAP_PREFIX}not recorded"


# ----------------------------------------------------------------------------- markdown
def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(document: Document) -> str:
    meta = document.meta
    out = [f"# {meta.title}", "", f"_{meta.stamp}_", ""]
    for block in document.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * (block.level + 1)} {block.text}", ""]
        elif isinstance(block, Para):
            out += [block.text, ""]
        elif isinstance(block, Gap):
            out += [f"**{GAP_PREFIX}{block.text}**", ""]
        elif isinstance(block, Bullets):
            out += [*(f"- {item}" for item in block.items), ""]
        elif isinstance(block, Fields):
            out += [*(f"- **{label}:** {_value(value)}" for label, value in block.pairs), ""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in block.headers) + " |")
            out.append("|" + "---|" * len(block.headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, SignOff):
            for role, name in block.lines:
                out += [
                    f"**{role}:** {name or '____________________'}  ",
                    "Signature: ____________________  Date: __________",
                    "",
                ]
        else:
            assert_never(block)
    return "\n".join(out).rstrip() + "\n"


# ----------------------------------------------------------------------------- PDF
def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_pdf(document: Document) -> bytes:
    """A4 portrait PDF; every page carries the document's stamp and page number. Deterministic."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    meta = document.meta
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontSize=9, leading=11.5)
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9.5)
    gap = body.clone("gap", textColor=colors.HexColor("#B42318"))
    page_size = A4
    buffer = io.BytesIO()

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, page_size[1] - 9 * mm, f"{meta.organisation} - {meta.title}"[:150])
        # The stamp wraps rather than being cut: the approver at its end is on every page.
        lines = simpleSplit(meta.stamp, "Helvetica", 7, page_size[0] - 50 * mm)[:3]
        for n, line in enumerate(lines):
            canvas.drawString(15 * mm, (8 + 3 * (len(lines) - 1 - n)) * mm, line)
        second = meta.footer or (f"generated by {meta.generator}" if meta.generator else "")
        if second:
            canvas.drawString(15 * mm, 5 * mm, second[:170])
        canvas.drawRightString(page_size[0] - 15 * mm, 5 * mm, f"Page {doc.page}")
        canvas.restoreState()

    width = page_size[0] - 30 * mm
    story: list[Any] = [Paragraph(_esc(meta.title), styles["Title"]), Paragraph(_esc(meta.stamp), small)]
    for block in document.blocks:
        if isinstance(block, Heading):
            story.append(Paragraph(_esc(block.text), styles[f"Heading{min(block.level + 1, 4)}"]))
        elif isinstance(block, Para):
            story.append(Paragraph(_esc(block.text), body))
        elif isinstance(block, Gap):
            story.append(Paragraph(f"<b>{_esc(GAP_PREFIX)}</b>{_esc(block.text)}", gap))
        elif isinstance(block, Bullets):
            story.extend(Paragraph(f"&bull; {_esc(item)}", body) for item in block.items)
        elif isinstance(block, Fields):
            for label, value in block.pairs:
                shown = _esc(_value(value))
                story.append(Paragraph(f"<b>{_esc(label)}:</b> {shown}", body))
        elif isinstance(block, Table):
            weights = block.widths or tuple(1 for _ in block.headers)
            total = sum(weights)
            data = [[Paragraph(f"<b>{_esc(h)}</b>", small) for h in block.headers]]
            data += [[Paragraph(_esc(c), small) for c in row] for row in block.rows]
            table = LongTable(data, colWidths=[width * w / total for w in weights], repeatRows=1, splitInRow=1)
            table.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#17365F")),
                        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B8C4")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        elif isinstance(block, SignOff):
            for role, name in block.lines:
                story.append(Spacer(1, 4 * mm))
                story.append(Paragraph(f"<b>{_esc(role)}:</b> {_esc(name or '____________________')}", body))
                story.append(Paragraph("Signature: ______________________ Date: ____________", body))
        else:
            assert_never(block)
        story.append(Spacer(1, 2 * mm))
    template = SimpleDocTemplate(
        buffer, pagesize=page_size, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm, bottomMargin=22 * mm,
        title=meta.title, author=meta.author or meta.organisation, creator=meta.generator, invariant=1,
    )  # fmt: skip
    template.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- Word
def to_docx(document: Document) -> bytes:
    """A Word document; the stamp is in every page's header. Deterministic (fixed zip times)."""
    from docx import Document as WordDocument
    from docx.shared import Pt, RGBColor

    meta = document.meta
    word = WordDocument()
    moment = dt.datetime.combine(meta.date, dt.time(), tzinfo=dt.UTC)
    props = word.core_properties
    props.title, props.author, props.created, props.modified = meta.title, meta.author or "", moment, moment
    props.last_modified_by = meta.author or ""
    props.revision = 1
    section = word.sections[0]
    section.header.paragraphs[0].text = f"{meta.organisation} - {meta.title}"
    section.footer.paragraphs[0].text = meta.stamp
    word.add_heading(meta.title, level=0)
    word.add_paragraph(meta.stamp).runs[0].font.size = Pt(8)
    for block in document.blocks:
        if isinstance(block, Heading):
            word.add_heading(block.text, level=min(block.level, 4))
        elif isinstance(block, Para):
            word.add_paragraph(block.text)
        elif isinstance(block, Gap):
            paragraph = word.add_paragraph()
            run = paragraph.add_run(GAP_PREFIX + block.text)
            run.bold = True
            run.font.color.rgb = RGBColor(0xB4, 0x23, 0x18)
        elif isinstance(block, Bullets):
            for item in block.items:
                word.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Fields):
            for label, value in block.pairs:
                paragraph = word.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(_value(value))
        elif isinstance(block, Table):
            table = word.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            for cell, header in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = header
                cell.paragraphs[0].runs[0].bold = True
            for row in block.rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = str(value)
        elif isinstance(block, SignOff):
            for role, name in block.lines:
                paragraph = word.add_paragraph()
                paragraph.add_run(f"{role}: ").bold = True
                paragraph.add_run(name or "____________________")
                word.add_paragraph("Signature: ______________________ Date: ____________")
        else:
            assert_never(block)
    out = io.BytesIO()
    word.save(out)
    return fixed_zip_times(out.getvalue(), meta.date)


def fixed_zip_times(data: bytes, day: dt.date) -> bytes:
    """The same zip with every member dated ``day``, so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o100644 << 16
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int] = ()) -> Table:
    return Table(tuple(headers), tuple(tuple("" if c is None else str(c) for c in row) for row in rows), tuple(widths))


__all__ = [
    "GAP_PREFIX", "Bullets", "DocFormat", "Document", "Fields", "Gap", "Heading", "Meta", "Para", "SignOff",
    "Table", "fixed_zip_times", "render", "table", "to_docx", "to_markdown", "to_pdf",
]  # fmt: skip
