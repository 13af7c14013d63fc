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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from openaims import __version__
from openaims.readiness.documented import DocumentedItem, Presence, documented_information
from openaims.readiness.engine import evaluate
from openaims.readiness.model import ItemResult, Report, Status
from openaims.readiness.snapshot import Snapshot, load_snapshot
from openaims.register.actors import Actor
from openaims.register.services.evidence import EvidenceDir
from openaims.reports.document import Document

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
    #: The register the report was computed from (scope, documents, SoA and the records' content).
    snapshot: Snapshot | None = None
    author: str | None = None

    @property
    def generator_name(self) -> str:
        return GENERATOR

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
        snapshot=snap,
        author=actor.name,
    )


_ENV = Environment(loader=PackageLoader("openaims.reports", "templates"), autoescape=select_autoescape(["html"]))


def stylesheet() -> str:
    """The report's CSS: inline in a saved file, served as a stylesheet by the web app (its
    content security policy allows no inline styles)."""
    return _ENV.loader.get_source(_ENV, "stage1.css")[0]  # type: ignore[union-attr]


def to_html(report: Stage1Report, *, record_url: str | None = None, stylesheet_url: str | None = None) -> str:
    """One HTML page; record ids link to ``record_url + id`` when given. Self-contained (CSS inline)
    unless ``stylesheet_url`` names where the CSS is served."""
    template = _ENV.get_template("stage1.html")
    return template.render(
        stylesheet_url=stylesheet_url,
        css=stylesheet(),
        r=report,
        totals=report.presence_totals(),
        score=report.readiness.score(),
        groups=report.readiness.groups(),
        statuses=[s.value for s in Status],
        labels={s.value: label for s, label in STATUS_LABELS.items()},
        record_url=record_url,
        generator=GENERATOR,
    )


def to_document(report: Stage1Report) -> Document:
    """The Stage 1 report as a document: scope, context, documents, SoA, readiness per clause with
    the records' content, open gaps, legend and sign-off."""
    from openaims.reports.stage1_document import build_document

    snap = report.snapshot if report.snapshot is not None else Snapshot({}, report.as_of)
    document = build_document(report, snap, author=report.author)
    document.meta = replace(document.meta, footer=report.stamp)
    return document


def to_pdf(report: Stage1Report) -> bytes:
    from openaims.reports.document import to_pdf as render_pdf

    return render_pdf(to_document(report))


def to_docx(report: Stage1Report) -> bytes:
    from openaims.reports.document import to_docx as render_docx

    return render_docx(to_document(report))


#: Record ids printed per PDF cell; a large register links thousands (the HTML report lists them all).
PDF_LINKS = 40


def some_links(links: Sequence[str]) -> str:
    """Record ids for a PDF cell: the first :data:`PDF_LINKS`, then how many more there are."""
    shown = ", ".join(links[:PDF_LINKS])
    rest = len(links) - PDF_LINKS
    return f"{shown} and {rest:,} more (listed in the HTML report)" if rest > 0 else shown


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["GENERATOR", "Stage1Report", "build_stage1", "stylesheet", "to_document", "to_docx", "to_html", "to_pdf"]
