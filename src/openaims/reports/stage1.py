"""The Stage 1 readiness report: what a certification auditor reviews first, as HTML and PDF.

Two parts, both computed from one snapshot of the register:

1. every documented-information item ISO/IEC 42001 clauses 4 to 10 require (maintained or
   retained), found, incomplete or missing, with the ids of the records that provide it;
2. the readiness of every clause and Annex A control with its reasons and record links.

The HTML is one self-contained printable file (no external assets). Every PDF page carries
the organisation, the date of the assessment and the generator, so a printed page can be
traced to the run that produced it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from openaims import __version__
from openaims.readiness.documented import DocumentedItem, Presence, documented_information
from openaims.readiness.engine import evaluate
from openaims.readiness.model import ItemResult, Report, Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.actors import Actor
from openaims.register.services.evidence import EvidenceDir

GENERATOR = f"OpenAIMS {__version__}"
STATUS_LABELS = {
    Status.MET: "met",
    Status.PARTIAL: "partial",
    Status.MISSING: "missing",
    Status.NOT_APPLICABLE: "not applicable",
}


@dataclass(frozen=True)
class Stage1Report:
    """What both renderers print."""

    organisation: str
    as_of: dt.date
    generated_at: dt.datetime
    documents: tuple[DocumentedItem, ...]
    readiness: Report

    @property
    def stamp(self) -> str:
        return (
            f"{self.organisation} - Stage 1 readiness as of {self.as_of.isoformat()} - "
            f"generated {self.generated_at.strftime('%Y-%m-%d %H:%M UTC')} by {GENERATOR}"
        )

    @property
    def clauses(self) -> list[ItemResult]:
        return [i for i in self.readiness.items if i.kind == "clause"]

    @property
    def controls(self) -> list[ItemResult]:
        return [i for i in self.readiness.items if i.kind == "control"]

    def presence_totals(self) -> dict[str, int]:
        counts = {p.value: 0 for p in Presence}
        for doc in self.documents:
            counts[doc.presence.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "as_of": self.as_of.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "generator": GENERATOR,
            "documented_information": [d.to_dict() for d in self.documents],
            "readiness": self.readiness.to_dict(),
        }


def build_stage1(
    session: Session,
    actor: Actor,
    *,
    today: dt.date,
    organisation: str,
    evidence_dir: EvidenceDir | None = None,
    now: dt.datetime | None = None,
) -> Stage1Report:
    """Read the register once and assess documented information and readiness from the same snapshot."""
    snap = load_snapshot(session, actor, today=today, evidence_dir=evidence_dir)
    return Stage1Report(
        organisation=organisation,
        as_of=today,
        generated_at=now or dt.datetime.now(dt.UTC),
        documents=tuple(documented_information(snap)),
        readiness=evaluate(snap),
    )


_ENV = Environment(loader=PackageLoader("openaims.reports", "templates"), autoescape=select_autoescape(["html"]))


def to_html(report: Stage1Report, *, record_url: str | None = None) -> str:
    """One self-contained HTML page; record ids link to ``record_url + id`` when given."""
    template = _ENV.get_template("stage1.html")
    return template.render(
        r=report,
        totals=report.presence_totals(),
        score=report.readiness.score(),
        groups=report.readiness.groups(),
        statuses=[s.value for s in Status],
        labels={s.value: label for s, label in STATUS_LABELS.items()},
        record_url=record_url,
        generator=GENERATOR,
    )


def to_pdf(report: Stage1Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    page_size = landscape(A4)
    colour = {"found": "#127a3a", "met": "#127a3a", "incomplete": "#a86400", "partial": "#a86400",
              "missing": "#b42318", "not_applicable": "#7b8794"}  # fmt: skip

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(15 * mm, page_size[1] - 10 * mm, f"{report.organisation} - Stage 1 readiness report")
        canvas.drawString(15 * mm, 8 * mm, report.stamp)
        canvas.drawRightString(page_size[0] - 15 * mm, 8 * mm, f"Page {document.page}")
        canvas.restoreState()

    def cell(text: str) -> Any:
        return Paragraph(_esc(text), small)

    def pill(value: str) -> Any:
        return Paragraph(f'<font color="{colour.get(value, "#1f2933")}"><b>{value.replace("_", " ")}</b></font>', small)

    def table(headers: list[str], rows: list[list[Any]], widths: list[float]) -> Any:
        data = [[Paragraph(f"<b>{h}</b>", small) for h in headers], *rows]
        # splitInRow: a row taller than a page continues on the next page instead of failing.
        t = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1, splitInRow=1)
        t.setStyle(
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
        return t

    totals = report.presence_totals()
    readiness_totals = report.readiness.totals()
    story: list[Any] = [
        Paragraph(f"{_esc(report.organisation)}: Stage 1 readiness report", styles["Title"]),
        Paragraph(f"ISO/IEC 42001 as of {report.as_of.isoformat()}", styles["Heading3"]),
        cell(
            f"Documented information: {totals['found']} found, {totals['incomplete']} incomplete, "
            f"{totals['missing']} missing of {len(report.documents)} required items. Readiness score "
            f"{report.readiness.score()}%: {readiness_totals['met']} met, {readiness_totals['partial']} partial, "
            f"{readiness_totals['missing']} missing, {readiness_totals['not_applicable']} not applicable."
        ),
        Spacer(1, 4 * mm),
        Paragraph("Required documented information (clauses 4 to 10)", styles["Heading2"]),
        table(
            ["Item", "Clause", "Documented information", "Kind", "Status", "Why", "Records"],
            [
                [
                    cell(d.id),
                    cell(f"{d.clause} {d.clause_title}"),
                    cell(d.what),
                    cell(d.retention),
                    pill(d.presence.value),
                    cell("; ".join(d.reasons)),
                    cell(_some(d.links)),
                ]
                for d in report.documents
            ],
            [18, 40, 55, 16, 20, 75, 43],
        ),
    ]
    for heading, items in (("Clauses 4 to 10", report.clauses), ("Annex A controls", report.controls)):
        story.append(Paragraph(f"Readiness: {heading}", styles["Heading2"]))
        story.append(
            table(
                ["Item", "Title", "Status", "Reasons", "Records"],
                [
                    [
                        cell(i.id),
                        cell(i.title),
                        pill(i.status.value),
                        cell("; ".join(i.reasons)),
                        cell(_some(i.links)),
                    ]
                    for i in items
                ],
                [18, 55, 22, 120, 52],
            )
        )
    template = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{report.organisation}: Stage 1 readiness report",
        author=GENERATOR,
    )
    template.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


#: Record ids printed per PDF cell; a large register links thousands (the HTML report lists them all).
PDF_LINKS = 40


def _some(links: Sequence[str]) -> str:
    """Record ids for a PDF cell: the first :data:`PDF_LINKS`, then how many more there are."""
    shown = ", ".join(links[:PDF_LINKS])
    rest = len(links) - PDF_LINKS
    return f"{shown} and {rest:,} more (listed in the HTML report)" if rest > 0 else shown


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["GENERATOR", "Stage1Report", "build_stage1", "to_html", "to_pdf"]
