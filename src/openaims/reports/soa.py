"""The Statement of Applicability as an xlsx workbook, a PDF and a Word document.

Every page of both says which version it is, when it was approved and by whom,
so a printed page can be traced to its approval. An unapproved (draft) SoA is
marked DRAFT on every page.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openaims.frameworks.loader import load_catalogue
from openaims.register.exchange.cells import xlsx_texts
from openaims.register.services.soa_versions import SoaVersionOut


@dataclass(frozen=True)
class SoaDocument:
    """What both renderers print: a version (or the draft) with control titles."""

    organisation: str
    label: str
    approver: str | None
    approved_on: dt.date | None
    rows: list[dict[str, Any]]
    generated_at: dt.datetime

    @property
    def stamp(self) -> str:
        if self.approver and self.approved_on:
            return f"{self.label}, approved by {self.approver} on {self.approved_on.isoformat()}"
        return f"{self.label} (DRAFT, not approved)"


def control_titles() -> dict[str, str]:
    framework = load_catalogue().framework("iso42001")
    return {item.id: item.title for item in framework.of_kind("control")}


def from_version(
    version: SoaVersionOut, organisation: str, *, now: dt.datetime | None = None, approver: str | None = None
) -> SoaDocument:
    """``approver``: who approved it as people read it (name and role); the recorded name otherwise."""
    return SoaDocument(
        organisation=organisation,
        label=f"Statement of Applicability version {version.number} ({version.id})",
        approver=approver or version.approver,
        approved_on=version.approved_on,
        rows=version.rows,
        generated_at=now or dt.datetime.now(dt.UTC),
    )


def draft(rows: list[dict[str, Any]], organisation: str, *, now: dt.datetime | None = None) -> SoaDocument:
    return SoaDocument(
        organisation, "Statement of Applicability, working draft", None, None, rows, now or dt.datetime.now(dt.UTC)
    )


HEADERS = ("Control", "Title", "Applicable", "Implementation", "Justification", "Owner", "Treatments", "Evidence")


def _cells(row: dict[str, Any], titles: dict[str, str]) -> list[str]:
    control = str(row.get("control_id", ""))
    return [
        control,
        titles.get(control, ""),
        "Yes" if row.get("applicable") else "No (excluded)",
        str(row.get("status", "")).replace("_", " "),
        str(row.get("justification") or ""),
        str(row.get("owner") or ""),
        ", ".join(row.get("treatment_ids") or []),
        ", ".join(row.get("evidence_ids") or []),
    ]


def to_xlsx(doc: SoaDocument) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.table import Table, TableStyleInfo

    titles = control_titles()
    book = Workbook()
    sheet = book.active
    sheet.title = "SoA"
    sheet["A1"] = f"{doc.organisation}: {doc.label}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = doc.stamp
    sheet["A3"] = f"Generated {doc.generated_at.strftime('%Y-%m-%d %H:%M UTC')} by OpenAIMS"
    sheet.append([])
    sheet.append(list(HEADERS))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="17365F")
    for row in doc.rows:
        sheet.append(_cells(row, titles))
    last = sheet.max_row
    if last > header_row:
        table = Table(displayName="StatementOfApplicability", ref=f"A{header_row}:H{last}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        sheet.add_table(table)
    for letter, width in zip("ABCDEFGH", (10, 40, 16, 16, 60, 18, 18, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    for row_cells in sheet.iter_rows(min_row=header_row + 1, max_row=last):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    xlsx_texts(sheet)  # justifications and owners are texts, never formulas
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddHeader.center.text = _header_text(f"{doc.organisation} - {doc.label}")
    sheet.oddFooter.left.text = _header_text(doc.stamp)
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    book.properties.title = doc.label
    book.properties.creator = "OpenAIMS"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(doc: SoaDocument) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    titles = control_titles()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    page_size = landscape(A4)

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(15 * mm, page_size[1] - 10 * mm, f"{doc.organisation} - {doc.label}")
        canvas.drawString(15 * mm, 8 * mm, doc.stamp)
        canvas.drawRightString(page_size[0] - 15 * mm, 8 * mm, f"Page {document.page}")
        canvas.restoreState()

    template = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=doc.label,
        author="OpenAIMS",
    )
    story: list[Any] = [
        Paragraph(f"{_esc(doc.organisation)}: Statement of Applicability", styles["Title"]),
        Paragraph(_esc(doc.stamp), styles["Heading3"]),
        Paragraph(f"Generated {doc.generated_at.strftime('%Y-%m-%d %H:%M UTC')}", small),
        Spacer(1, 4 * mm),
    ]
    data = [[Paragraph(f"<b>{h}</b>", small) for h in HEADERS]]
    for row in doc.rows:
        data.append([Paragraph(_esc(c), small) for c in _cells(row, titles)])
    widths = [x * mm for x in (16, 48, 20, 22, 88, 24, 24, 25)]
    # splitInRow: a row taller than a page (a long justification) continues on the next page.
    table = LongTable(data, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#17365F")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B8C4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F4F7")]),
            ]
        )
    )
    story.append(table)
    template.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def to_document(doc: SoaDocument) -> Any:
    """The SoA in the shared document model (for Word): one table of every Annex A control."""
    from openaims.reports.document import Document, Gap, Meta, Para, table

    titles = control_titles()
    version = doc.label.removeprefix("Statement of Applicability").strip(" ,").removeprefix("version ") or doc.label
    document = Document(Meta(
        organisation=doc.organisation, title="Statement of Applicability (ISO/IEC 42001:2023, clause 6.1.3 d)",
        version=version if doc.approver else f"{version} (DRAFT, not approved)",
        date=doc.approved_on or doc.generated_at.date(), approver=doc.approver, generator="OpenAIMS",
    ))  # fmt: skip
    document.add(Para(doc.stamp + "."))
    applicable = sum(1 for r in doc.rows if r.get("applicable"))
    document.add(Para(f"{len(doc.rows)} controls: {applicable} applicable, {len(doc.rows) - applicable} excluded."))
    if not doc.rows:
        document.add(Gap("the Statement of Applicability has no rows"))
    rows = []
    for row in doc.rows:
        cells = _cells(row, titles)
        if not cells[4]:
            cells[4] = "GAP: no justification"
        rows.append(cells)
    document.add(table(HEADERS, rows, (2, 5, 2, 2, 8, 2, 2, 2)))
    return document


def to_docx(doc: SoaDocument) -> bytes:
    from openaims.reports.document import to_docx as render_docx

    return render_docx(to_document(doc))


def _header_text(text: str) -> str:
    """Text for an xlsx page header or footer, where "&" starts a code (&P is the page number)."""
    return text.replace("&", "&&")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
