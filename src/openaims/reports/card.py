"""The system card: an AI system explained to the people who use it or are affected by it [A.8.2, A.8.3].

:func:`build_card` reads the system, the models and providers the scans linked to it (its
AI bill of materials), its datasets and suppliers, its EU AI Act classification, its newest
impact assessment and the organisation's channels for problems and complaints, and returns a
:class:`~openaims.reports.document.Document`: Markdown and PDF come from the shared
renderers, HTML from :func:`to_html`. Whatever the register does not hold is printed as a
gap, never left out.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy.orm import Session

from openaims.frameworks.loader import label_of, load_catalogue
from openaims.register.actors import Actor
from openaims.register.services.classification import reclassification_reason, stored_classification
from openaims.register.services.communication import CommunicationService
from openaims.register.services.documents import DocumentService
from openaims.register.services.impact import ImpactAssessmentService
from openaims.register.services.suppliers import SupplierService
from openaims.register.services.systems import ComponentService, DatasetService, SystemOut, SystemService
from openaims.reports.document import (
    GAP_PREFIX,
    Bullets,
    Document,
    Fields,
    Gap,
    Heading,
    Meta,
    Para,
    SignOff,
    Table,
    table,
)

GENERATOR = "OpenAIMS"
MODEL_KINDS = ("model", "model_file")
#: Component kinds whose provider is a provider of AI the system relies on.
PROVIDER_KINDS = ("model", "model_file", "dependency", "import", "mcp_server", "ai_workflow")
#: Words that mark a channel or document for contesting a decision or reporting a problem.
CONTEST_WORDS = ("contest", "complain", "complaint", "appeal", "redress", "objection", "explanation")
REPORT_WORDS = ("incident", "problem", "concern", "feedback")
#: EU AI Act articles that tell people something about a system, besides Art. 50's cases.
NOTICE_ARTICLES = {
    "Art.13": "Instructions for use and transparency towards deployers",
    "Art.26": "Deployers of a high-risk system inform the people it makes or supports decisions about (Art. 26(11))",
    "Art.86": "People affected by a decision based on a high-risk system may ask for an explanation",
}


def _mentions(words: tuple[str, ...], *texts: str | None) -> bool:
    joined = " ".join(t for t in texts if t).lower()
    return any(w in joined for w in words)


def _text(doc: Document, value: str | None, missing: str) -> None:
    doc.add(Para(value) if value else Gap(missing))


def _point(eu: Any, point: str) -> str:
    item = eu.items.get(point)
    return f"{point.replace('AnnexIII.', 'Annex III ')}: {item.title}" if item else point


def _classification(doc: Document, system: SystemOut) -> None:
    stored = stored_classification(system)
    if stored is None:
        doc.add(Gap(f"{system.id} has no EU AI Act classification yet ('aims classify {system.id}')"))
        return
    outcome = stored.get("classification") or {}
    eu = load_catalogue().framework("eu-ai-act")
    tiers = ", ".join(str(t).replace("_", " ") for t in outcome.get("tiers", [])) or "none decided"
    doc.add(
        Fields(
            (
                ("Risk tier", tiers),
                ("Role of the organisation", ", ".join(outcome.get("roles", [])) or None),
                ("High-risk grounds", "; ".join(_point(eu, p) for p in outcome.get("annex_iii_points", [])) or "none"),
                ("Classified on", str(stored.get("answered_at", ""))[:10] or None),
            )
        )
    )  # fmt: skip
    why = reclassification_reason(system)
    if why:
        doc.add(Gap(why))
    notices: list[str] = []
    for case in outcome.get("transparency_cases", []):
        item = eu.items.get(case)
        notices.append(f"{label_of(case)}: {item.title if item else case}")
    for case in outcome.get("transparency_cases_of_others", []):
        item = eu.items.get(case)
        notices.append(f"{label_of(case)} (binds the provider of a component): {item.title if item else case}")
    articles = [o.get("article") for o in outcome.get("obligations", []) if isinstance(o, dict)]
    for article, what in NOTICE_ARTICLES.items():
        if article in articles:
            notices.append(f"{label_of(article)}: {what}")
    doc.add(Heading("Transparency notices that apply", 2))
    doc.add(Bullets(tuple(notices)) if notices else Para("No EU AI Act transparency notice applies to this system."))


def build_card(
    session: Session, actor: Actor | str, system_id: str, *, organisation: str, today: dt.date | None = None
) -> Document:
    """The system card of ``system_id`` (NotFoundError when there is no such system)."""
    systems = SystemService(session, actor)
    system = systems.get(system_id)
    day = today or systems.clock().date()
    components = [c for c in systems.service(ComponentService).all(system_id=system.id) if not c.disappeared]
    datasets = [d for d in systems.service(DatasetService).all() if d.id in system.dataset_ids]
    suppliers = [s for s in systems.service(SupplierService).all() if s.id in system.supplier_ids]
    assessments = sorted(
        systems.service(ImpactAssessmentService).all(system_id=system.id),
        key=lambda a: (a.assessed_on or dt.date.min, a.id),
    )
    approved = [a for a in assessments if a.status == "approved"]
    meta = Meta(
        organisation=organisation,
        title=f"System card: {system.name}",
        version=str(system.version),
        date=day,
        author=system.owner,
        approver=None,
        generator=GENERATOR,
        footer=f"{system.id} - for the people who use or are affected by this AI system - generated by {GENERATOR}",
    )
    doc = Document(meta)
    doc.add(Heading("About this system"))
    doc.add(Para(f"{system.name} ({system.id}) is an AI system of {organisation}."))
    _text(doc, system.description, "no description of the system is recorded")
    doc.add(Fields((("Purpose", system.purpose), ("Owner", system.owner), ("Stage", system.lifecycle_stage))))

    doc.add(Heading("Intended use and limits"))
    doc.add(Fields((("Intended use", system.intended_use), ("Do not use it for", system.foreseeable_misuse))))
    if approved and approved[-1].impacted_groups:
        groups = [
            f"{g.name}{' (a vulnerable group)' if g.vulnerable else ''}"
            + (f"; what protects them: {g.measures}" if g.measures else "")
            for g in approved[-1].impacted_groups
        ]
        doc.add(Heading("People affected", 2), Bullets(tuple(groups)))

    doc.add(Heading("Models and providers"))
    models = [c for c in components if c.kind in MODEL_KINDS]
    if models:
        doc.add(
            table(
                ("Model", "Kind", "Provider", "Approval", "Found in"),
                [(c.name, c.kind.replace("_", " "), c.provider or "", c.status, c.repository) for c in models],
                (4, 2, 2, 2, 3),
            )
        )
    else:
        doc.add(Gap(f"no model is linked to {system.id} (scan its repositories: 'aims scan')"))
    providers = sorted(
        {c.provider for c in components if c.kind in PROVIDER_KINDS and c.provider and c.provider != "other"}
    )
    doc.add(Fields((("AI providers in its code", ", ".join(providers) or None),)))
    if suppliers:
        doc.add(table(("Supplier", "Services", "Status"), [(s.name, s.services or "", s.status) for s in suppliers]))
    else:
        doc.add(Gap("no supplier of models, services or data is recorded for this system"))

    doc.add(Heading("Data used"))
    if datasets:
        doc.add(
            table(
                ("Dataset", "Source", "Legal basis", "Known bias", "Retention"),
                [(d.name, d.source or "", d.consent_basis or "", d.known_bias or "", d.retention or "")
                 for d in datasets],
            )
        )  # fmt: skip
    else:
        doc.add(Gap("no dataset is recorded for this system"))

    doc.add(Heading("Human oversight"))
    _text(doc, system.human_oversight, "how people oversee this system is not recorded")

    doc.add(Heading("Contest a decision or report a problem"))
    _channels(doc, systems)

    doc.add(Heading("EU AI Act classification"))
    _classification(doc, system)

    doc.add(Heading("Review"))
    reviews: list[tuple[str, str]] = []
    if approved and approved[-1].assessed_on:
        reviews.append((f"impact assessment {approved[-1].id}", approved[-1].assessed_on.isoformat()))
    stored = stored_classification(system)
    if stored is not None and stored.get("answered_at"):
        reviews.append(("EU AI Act classification", str(stored["answered_at"])[:10]))
    if reviews:
        what, when = max(reviews, key=lambda r: r[1])
        doc.add(Para(f"Last reviewed on {when} ({what})."))
    else:
        doc.add(Gap("no review of this system is recorded (an approved impact assessment or a classification)"))
    if approved:
        doc.add(Fields((("Next review", approved[-1].next_review.isoformat() if approved[-1].next_review else None),)))
    elif assessments:
        doc.add(Gap(f"impact assessment {assessments[-1].id} is {assessments[-1].status}, not approved"))
    else:
        doc.add(Gap(f"no impact assessment of {system.id} is recorded"))
    doc.add(SignOff((("System owner", system.owner),)))
    return doc


def _channels(doc: Document, systems: SystemService) -> None:
    """The organisation's channels for complaints and problem reports: communication plans and procedures."""
    plans = systems.service(CommunicationService).all()
    documents = systems.service(DocumentService).all(status="active")
    for words, what in ((CONTEST_WORDS, "contest a decision"), (REPORT_WORDS, "report a problem")):
        found = [
            f"{c.topic} ({c.audience}): {', '.join(v for v in (c.channel, c.timing) if v) or 'channel not recorded'}"
            for c in plans
            if _mentions(words, c.topic, c.purpose)
        ]
        found += [f"{d.id} {d.title}" for d in documents if _mentions(words, d.title)]
        if found:
            doc.add(Para(f"To {what}:"), Bullets(tuple(found)))
        else:
            doc.add(Gap(f"how a person can {what} is not recorded (a communication plan or a procedure)"))


# ------------------------------------------------------------------ HTML
_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ meta.title }}</title>
{% if stylesheet_url %}<link rel="stylesheet" href="{{ stylesheet_url }}">
{% else %}<style>
{{ css | safe }}</style>
{% endif %}
</head>
<body>
<main>
<h1>{{ meta.title }}</h1>
<p class="stamp">{{ meta.stamp }}</p>
{% for kind, block in blocks %}
{% if kind == "heading" %}<h{{ block.level + 1 }}>{{ block.text }}</h{{ block.level + 1 }}>
{% elif kind == "para" %}<p>{{ block.text }}</p>
{% elif kind == "gap" %}<p class="gap">{{ gap }}{{ block.text }}</p>
{% elif kind == "bullets" %}<ul>{% for item in block.items %}<li>{{ item }}</li>{% endfor %}</ul>
{% elif kind == "fields" %}<dl>{% for label, value in block.pairs %}<dt>{{ label }}</dt>
{% if value %}<dd>{{ value }}</dd>{% else %}<dd class="gap">{{ gap }}not recorded</dd>{% endif %}{% endfor %}</dl>
{% elif kind == "table" %}<table><thead><tr>{% for h in block.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in block.rows %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% elif kind == "signoff" %}{% for role, name in block.lines %}
<p><strong>{{ role }}:</strong> {{ name or "" }}</p>{% endfor %}
{% endif %}
{% endfor %}
</main>
<footer>{{ meta.footer or "" }}</footer>
</body>
</html>
"""


_KINDS: dict[type, str] = {Heading: "heading", Para: "para", Gap: "gap", Bullets: "bullets", Fields: "fields",
                           Table: "table", SignOff: "signoff"}  # fmt: skip


def stylesheet() -> str:
    """The card's stylesheet (inlined in a file, linked from the web app, whose content security
    policy allows no inline styles)."""
    return resources.files("openaims.reports").joinpath("templates", "card.css").read_text("utf-8")


def to_html(document: Document, *, stylesheet_url: str | None = None) -> str:
    """An HTML page of ``document`` (every value escaped): self-contained, or linking ``stylesheet_url``."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True)
    page = env.from_string(_HTML)
    blocks = [(_KINDS[type(b)], b) for b in document.blocks]
    css = None if stylesheet_url else stylesheet()  # shipped with the package
    return page.render(meta=document.meta, blocks=blocks, gap=GAP_PREFIX, stylesheet_url=stylesheet_url, css=css)


__all__ = ["build_card", "stylesheet", "to_html"]
