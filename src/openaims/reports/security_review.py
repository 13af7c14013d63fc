"""The security review report of one AI system: threat model, gaps, decisions, red-team summary.

:func:`build` gathers what the report shows from the register; :func:`to_markdown` and
:func:`to_pdf` render it. The evidence pack includes the Markdown of each system's review.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.services.security_reviews import (
    ReviewItem,
    SecurityReviewOut,
    SecurityReviewService,
    items_by_threat,
)
from openaims.register.services.systems import SystemService


@dataclass(frozen=True)
class SecurityReviewReport:
    """Everything the report shows, read from the register at one moment."""

    review: SecurityReviewOut
    system_name: str
    stale: tuple[str, ...]
    failures: dict[str, list[str]]
    items: dict[str, list[ReviewItem]]
    approval: str | None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def applicable(self) -> list[Any]:
        return [t for t in self.review.threats if t.applicable]

    @property
    def not_applicable(self) -> list[Any]:
        return [t for t in self.review.threats if not t.applicable]


def build(session: Session, actor: Actor | str, ref: str) -> SecurityReviewReport:
    """The report of a review (by id) or of a system's open or current review (by system id)."""
    service = SecurityReviewService(session, actor)
    review = service.resolve(ref)
    system = service.service(SystemService).get(review.system_id)
    approvals = service.approvals(review.id)
    return SecurityReviewReport(
        review=review,
        system_name=system.name,
        stale=service.staleness(review).reasons if review.status == "completed" else (),
        failures=service.failures_by_threat(review),
        items=items_by_threat(review),
        approval=approvals[-1].describe() if approvals else None,
    )


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _decision(entry: Any) -> str:
    if entry.decision == "risk":
        return f"risk {entry.risk_id}" + (f", treatment {entry.treatment_id}" if entry.treatment_id else "")
    if entry.decision == "accepted":
        return f"gap accepted by {entry.decided_by} on {entry.decided_on}"
    return "undecided"


def to_markdown(report: SecurityReviewReport) -> str:
    review = report.review
    lines = [
        f"# Security review {review.id}: {report.system_name} ({review.system_id})",
        "",
        f"- Status: {review.status}" + (f", {report.approval}" if report.approval else ""),
        f"- Reviewer: {review.owner or ''}; system owner: {review.system_owner or ''}",
        "- Threat catalogues: " + ", ".join(f"{k} {v}" for k, v in sorted(review.catalogue_versions.items())),
        f"- Applicable threats: {len(report.applicable)} of {len(review.threats)}; "
        f"undecided: {len(review.undecided())}",
        f"- Generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
    ]
    if report.stale:
        lines += ["", "**Stale:** the system changed since this review was completed:", ""]
        lines += [f"- {reason}" for reason in report.stale]
    if review.summary:
        lines += ["", review.summary]
    lines += ["", "## Questionnaire", ""]
    for question, answer in review.answers.items():
        shown = ", ".join(answer) if isinstance(answer, list) else ("not answered" if answer is None else answer)
        shown = {True: "yes", False: "no"}.get(shown, shown) if isinstance(shown, bool) else shown
        lines.append(f"- {question.replace('_', ' ')}: {shown}")
    lines += ["", "## Applicable threats", "",
              "| Threat | Why it applies | Findings | Red-team failures | Existing controls | Gap | Decision |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for t in report.applicable:
        found = "; ".join(f"{i.title} ({i.where or i.source})" for i in report.items.get(t.key, []))
        failed = "; ".join(report.failures.get(t.key, []))
        cells = (f"{t.key} {t.title}", "; ".join(t.reasons), found, failed, t.existing_controls, t.gap, _decision(t))
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    lines += ["", "## Not applicable", "", "| Threat | Why not |", "|---|---|"]
    for t in report.not_applicable:
        lines.append(f"| {_cell(t.key + ' ' + t.title)} | {_cell('; '.join(t.reasons))} |")
    lines += ["", "## Findings from scans and the agent-configuration linter", ""]
    if review.items:
        lines += ["| Finding | Where | Source | Enables |", "|---|---|---|---|"]
        lines += [
            f"| {_cell(i.title)} | {_cell(i.where)} | {_cell(i.source)} | {_cell(i.threat)} |" for i in review.items
        ]
    else:
        lines.append("None.")
    lines += ["", "## Red-team results", ""]
    if review.results:
        for result in review.results:
            tool = result.tool_version or result.format
            lines += [f"### {result.filename} ({tool}), evidence {result.evidence_id}", ""]
            lines += ["| Category | Passed | Failed | Verdict | Demonstrates | Raised |", "|---|---|---|---|---|---|"]
            for c in result.categories:
                verdict = "fail" if c.failed else ("pass" if c.passed else "error")
                lines.append(f"| {_cell(c.category)} | {c.passed} | {c.failed} | {verdict} | "
                             f"{_cell(', '.join(c.threats))} | {_cell(', '.join(c.raised))} |")  # fmt: skip
            lines.append("")
    else:
        lines.append("None imported.")
    return "\n".join(lines).rstrip() + "\n"


def to_pdf(report: SecurityReviewReport) -> bytes:
    """The Markdown report laid out as a PDF: headings, bullet lines and tables."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9.5)
    buffer = io.BytesIO()
    title = f"Security review {report.review.id}: {report.system_name}"
    template = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=14 * mm, bottomMargin=14 * mm, title=title, author="OpenAIMS")  # fmt: skip
    story: list[Any] = []
    table: list[list[Any]] = []

    def flush() -> None:
        if not table:
            return
        grid = LongTable(list(table), repeatRows=1, splitInRow=1)
        grid.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#17365F")),
                                  ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                                  ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B8C4")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
        story.extend([grid, Spacer(1, 3 * mm)])
        table.clear()

    for line in to_markdown(report).splitlines():
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in _split_row(line)]
            if set("".join(cells)) <= {"-"}:
                continue
            bold = not table
            table.append([Paragraph(f"<b>{_esc(c)}</b>" if bold else _esc(c), small) for c in cells])
            continue
        flush()
        if line.startswith("# "):
            story.append(Paragraph(_esc(line[2:]), styles["Title"]))
        elif line.startswith("## "):
            story.append(Paragraph(_esc(line[3:]), styles["Heading2"]))
        elif line.startswith("### "):
            story.append(Paragraph(_esc(line[4:]), styles["Heading3"]))
        elif line.strip():
            story.append(Paragraph(_esc(line.removeprefix("- ").replace("**", "")), small))
    flush()
    template.build(story)
    return buffer.getvalue()


def _split_row(line: str) -> Sequence[str]:
    cells, current, escaped = [], "", False
    for ch in line.strip()[1:-1]:
        if ch == "|" and not escaped:
            cells.append(current)
            current = ""
        else:
            current += ch
        escaped = ch == "\\"
    cells.append(current)
    return cells


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
