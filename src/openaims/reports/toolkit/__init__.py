"""The toolkit: AIMS documents (AI policy, scope statement, risk method...) filled from the register.

Each template is data shipped with the package: an entry of ``catalogue.yaml`` (what it is
for, the ISO/IEC 42001 clauses and Annex A controls it serves, how it is filed) and a
Jinja2 markdown file under ``templates/``. :func:`render_template` fills a template with
what the register knows (organisation, scope, systems, roles, risk method, SoA,
suppliers...) and marks everything else ``[TO COMPLETE: ...]``; the result is a
:class:`~openaims.reports.document.Document`, so Markdown, Word and PDF carry the same
content. :func:`register_template` files the filled template as a controlled document with
a first draft version, written by the acting person.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from openaims.errors import NotFoundError, UsageError
from openaims.frameworks.loader import CatalogueError, load_catalogue
from openaims.frameworks.risk_sources import risk_sources
from openaims.register.actors import Actor
from openaims.register.services.base import RecordService
from openaims.register.services.classification import stored_classification
from openaims.register.services.communication import CommunicationService
from openaims.register.services.context import ContextIssueService, InterestedPartyService
from openaims.register.services.documents import (
    DocumentKind,
    DocumentOut,
    DocumentService,
    DocumentVersionOut,
    DocumentVersionService,
)
from openaims.register.services.impact import ImpactAssessmentService
from openaims.register.services.objectives import ObjectiveService
from openaims.register.services.people import PersonService, RoleService
from openaims.register.services.reviews import REQUIRED_INPUTS
from openaims.register.services.risks import DEFAULT_METHOD, RiskMethodService
from openaims.register.services.scope import ScopeService
from openaims.register.services.soa import SoaService
from openaims.register.services.suppliers import SupplierAssessmentService, SupplierService
from openaims.register.services.systems import DatasetService, SystemService
from openaims.reports.document import Bullets, Document, Heading, Meta, Para, SignOff, Table
from openaims.reports.standard import heading
from openaims.untrusted import InputError, read_yaml

GENERATOR = "OpenAIMS"
#: How a blank the register cannot fill is printed.
BLANK = "[TO COMPLETE: {}]"
BLANK_PATTERN = re.compile(r"\[TO COMPLETE: [^\]]+\]")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    title: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    serves: list[str] = Field(min_length=1)
    kind: DocumentKind
    review_interval_months: int = Field(ge=1, le=60)


class _Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    templates: list[_Entry] = Field(min_length=1)


@dataclass(frozen=True)
class TemplateInfo:
    """One toolkit template: its name, title, what it is for and what it serves."""

    name: str
    title: str
    purpose: str
    serves: tuple[str, ...]
    kind: DocumentKind
    review_interval_months: int

    @property
    def serves_label(self) -> str:
        return ", ".join(self.serves)


@functools.cache
def templates() -> dict[str, TemplateInfo]:
    """Every toolkit template by name, in catalogue order (checked against the ISO/IEC 42001 catalogue)."""
    folder = resources.files(__package__)
    text = folder.joinpath("catalogue.yaml").read_text("utf-8")
    try:
        catalogue = _Catalogue.model_validate(read_yaml(text, "toolkit catalogue.yaml"))
    except (InputError, ValidationError) as exc:
        raise CatalogueError(f"the toolkit catalogue is invalid: {exc}") from None
    iso = load_catalogue().framework("iso42001")
    out: dict[str, TemplateInfo] = {}
    for entry in catalogue.templates:
        unknown = [s for s in entry.serves if s not in iso.items]
        if unknown:
            raise CatalogueError(f"toolkit template {entry.name} serves unknown item(s) {', '.join(unknown)}")
        if not folder.joinpath("templates", f"{entry.name}.md.j2").is_file():
            raise CatalogueError(f"toolkit template {entry.name} has no file templates/{entry.name}.md.j2")
        out[entry.name] = TemplateInfo(
            entry.name, entry.title, entry.purpose, tuple(entry.serves), entry.kind, entry.review_interval_months
        )
    return out


def template(name: str) -> TemplateInfo:
    """The template called ``name`` (NotFoundError naming the templates there are)."""
    found = templates().get(name.strip().lower())
    if found is None:
        raise NotFoundError(f"no toolkit template {name!r}; templates: {', '.join(templates())}")
    return found


# ------------------------------------------------------------------ what the register knows
def blank(what: str) -> str:
    """A clearly marked blank for what the register does not hold."""
    return BLANK.format(" ".join(str(what).split()))


def _cell(value: Any) -> str:
    """A value as one Markdown table cell (no line breaks, pipes escaped); empty stays empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return " ".join(str(value).split()).replace("|", "\\|")


def _line(value: Any) -> str:
    """A value on one line (for bullets and paragraphs)."""
    return " ".join(str(value).split()) if value is not None else ""


def _all(service: RecordService[Any, Any], *statuses: str) -> list[Any]:
    found = service.all()
    return [r for r in found if not statuses or r.status in statuses]


def register_context(session: Session, actor: Actor | str, *, organisation: str, today: dt.date) -> dict[str, Any]:
    """Everything the templates may use, read from the register through its services."""
    people_service = PersonService(session, actor)
    people: dict[str, str] = {}
    for person in people_service.all():
        people[person.id] = person.name
        if person.username:
            people[person.username] = person.name

    def who(value: str | None) -> str | None:
        return people.get(value, value) if value else None

    scope_service = ScopeService(session, actor)
    scope = scope_service.current()
    if scope is None:
        drafts = scope_service.all(status="draft")
        scope = drafts[-1] if drafts else None
    systems = [s for s in SystemService(session, actor).all() if s.status != "retired"]
    in_scope_ids = set(scope.included_system_ids) if scope else set()
    in_scope = [s for s in systems if s.id in in_scope_ids] if scope else systems
    suppliers = SupplierService(session, actor).all()
    assessments = SupplierAssessmentService(session, actor).all()
    last_assessment = {}
    for a in sorted(assessments, key=lambda a: (a.assessed_on or dt.date.min, a.id)):
        last_assessment[a.supplier_id] = a
    roles: list[dict[str, Any]] = [
        {"name": r.name, "responsibilities": r.responsibilities, "authorities": r.authorities,
         "holders": [who(h) or h for h in r.holder_ids]}
        for r in RoleService(session, actor).all()
    ]  # fmt: skip
    methods = RiskMethodService(session, actor)
    approved = methods.all(status="approved")
    method = approved[-1] if approved else None
    method_data = method.model_dump() if method else dict(DEFAULT_METHOD)
    soa = sorted(SoaService(session, actor).all(), key=lambda e: _control_key(e.control_id))
    documents = []
    doc_service = DocumentService(session, actor)
    for d in doc_service.all(status="active"):
        current = doc_service.current_version(d.id)
        documents.append({"id": d.id, "title": d.title, "kind": d.kind,
                          "version": current.number if current else None,
                          "approved_on": current.approved_on if current else None})  # fmt: skip
    communications = CommunicationService(session, actor).all()

    def communications_about(word: str) -> list[Any]:
        return [c for c in communications if word.lower() in f"{c.topic} {c.purpose or ''}".lower()]

    iso = load_catalogue().framework("iso42001")
    clauses = [c for c in iso.of_kind("clause") if c.parent is not None or c.id in {"4", "5", "6", "7", "8", "9", "10"}]
    controls = sorted(iso.of_kind("control"), key=lambda c: _control_key(c.id))
    applicable = {e.control_id: e for e in soa}
    datasets = DatasetService(session, actor).all()
    return {
        "organisation": organisation,
        "today": today,
        "scope": scope,
        "systems": systems,
        "in_scope": in_scope,
        "fria": [s for s in in_scope if "Art.27" in _articles(s)],
        "assessment_of": _latest_assessments(session, actor),
        "datasets": {d.id: d for d in datasets},
        "dataset_names": {d.id: d.name for d in datasets},
        "suppliers": suppliers,
        "supplier_names": {s.id: s.name for s in suppliers},
        "last_assessment": last_assessment,
        "roles": roles,
        "aims_managers": [h for r in roles if "aims" in str(r["name"]).lower() for h in r["holders"] or ()],
        "who": who,
        "objectives": [o for o in ObjectiveService(session, actor).all() if o.status in ("active", "achieved")],
        "method": method,
        "method_data": method_data,
        "soa": soa,
        "soa_by_control": applicable,
        "documents": documents,
        "parties": InterestedPartyService(session, actor).all(),
        "communications": communications,
        "communications_about": communications_about,
        "issues": ContextIssueService(session, actor).all(),
        "clauses": clauses,
        "clause_docs": {c.id: [i for i in iso.children(c.id) if i.kind == "documented_information"] for c in clauses},
        "controls": controls,
        "review_inputs": REQUIRED_INPUTS,
        "risk_sources": risk_sources(),
        "playbooks": _playbooks(),
    }


def _latest_assessments(session: Session, actor: Actor | str) -> dict[str, str]:
    """System id -> its newest impact assessment, as "IA-3 approved 2026-05-01"."""
    out: dict[str, str] = {}
    found = ImpactAssessmentService(session, actor).all()
    for a in sorted(found, key=lambda a: (a.assessed_on or dt.date.min, len(a.id), a.id)):
        out[a.system_id] = f"{a.id} {a.status}" + (f" {a.assessed_on}" if a.assessed_on else "")
    return out


def _articles(system: Any) -> list[str]:
    """The EU AI Act articles the system's stored classification says apply to it."""
    stored = stored_classification(system) or {}
    obligations = (stored.get("classification") or {}).get("obligations", [])
    return [str(o.get("article")) for o in obligations if isinstance(o, dict)]


def _playbooks() -> Any:
    from openaims.register.playbooks.model import DEFAULT_FILE, load_playbooks

    try:
        return load_playbooks()
    except UsageError:  # the organisation's file cannot be read: the procedure shows the defaults
        return load_playbooks(DEFAULT_FILE)


def _control_key(control_id: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in control_id.split("."))


# ------------------------------------------------------------------ rendering
@functools.cache
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=False,  # Markdown, not HTML; values go through the cell/line filters
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["blank"] = blank
    env.filters["cell"] = _cell
    env.filters["line"] = _line
    env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    env.filters["named"] = lambda ids, names: [names.get(i, i) for i in ids]
    env.filters["or_blank"] = lambda value, what: _line(value) if value not in (None, "", []) else blank(what)
    return env


def _source(name: str) -> str:
    return resources.files(__package__).joinpath("templates", f"{name}.md.j2").read_text("utf-8")


def fill(name: str, context: dict[str, Any]) -> str:
    """Template ``name`` filled with ``context``, as Markdown (without the title)."""
    info = template(name)
    compiled = _environment().from_string(_source(info.name))
    return compiled.render(**context, template=info)


_TABLE_RULE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
SIGN_PREFIX = "@sign:"


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return tuple(c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(inner))


def parse_markdown(text: str) -> list[Any]:
    """The blocks of the Markdown the templates are written in: ``##`` headings, paragraphs,
    ``-`` bullets, pipe tables and ``@sign: ROLE`` sign-off lines."""
    blocks: list[Any] = []
    para: list[str] = []
    bullets: list[str] = []
    rows: list[tuple[str, ...]] = []
    signs: list[tuple[str, str | None]] = []
    ruled = False

    def flush() -> None:
        nonlocal ruled
        ruled = False
        if para:
            blocks.append(Para(" ".join(para)))
            para.clear()
        if bullets:
            blocks.append(Bullets(tuple(bullets)))
            bullets.clear()
        if rows:
            width = len(rows[0])
            body = tuple(tuple((*r, *("",) * width)[:width]) for r in rows[1:])
            blocks.append(Table(rows[0], body))
            rows.clear()
        if signs:
            blocks.append(SignOff(tuple(signs)))
            signs.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        kind = (
            "heading" if line.startswith("#") else "bullet" if line.startswith("- ")
            else "table" if line.startswith("|") else "sign" if line.startswith(SIGN_PREFIX) else "para"
        )  # fmt: skip
        if (kind != "para" and para) or (kind != "bullet" and bullets) or (kind != "table" and rows) or (
            kind != "sign" and signs
        ):
            flush()
        if kind == "heading":
            hashes = len(line) - len(line.lstrip("#"))
            blocks.append(Heading(line[hashes:].strip(), level=max(1, hashes - 1)))
        elif kind == "bullet":
            bullets.append(line[2:].strip())
        elif kind == "table":
            if len(rows) == 1 and not ruled and _TABLE_RULE.match(line):
                ruled = True  # the line under the header
            else:
                rows.append(_cells(line))
        elif kind == "sign":
            role, _, name = line[len(SIGN_PREFIX) :].partition("=")
            signs.append((role.strip(), name.strip() or None))
        else:
            para.append(line)
    flush()
    return blocks


def render_template(
    session: Session, actor: Actor | str, name: str, *, organisation: str, today: dt.date | None = None
) -> Document:
    """Template ``name`` filled from the register, as a document (NotFoundError for an unknown name)."""
    info = template(name)
    day = today or dt.datetime.now(dt.UTC).date()
    context = register_context(session, actor, organisation=organisation, today=day)
    from openaims.register.identity import NOT_SIGNED_IN

    name = actor.name if isinstance(actor, Actor) else actor
    # A reader who has not signed in is nobody's name: the author is left to fill in.
    author = None if name == NOT_SIGNED_IN else name
    meta = Meta(
        organisation=organisation,
        title=info.title,
        version="draft",
        date=day,
        author=author,
        approver=None,
        generator=GENERATOR,
        footer=f"Toolkit template {info.name} - ISO/IEC 42001 {info.serves_label} - generated by {GENERATOR}",
    )
    serves = Para(f"This document serves ISO/IEC 42001 {'; '.join(heading(ref) for ref in info.serves)}.")
    return Document(meta, [serves, *parse_markdown(fill(info.name, context))])


def blanks(document: Document) -> list[str]:
    """Every ``[TO COMPLETE: ...]`` blank left in ``document``, in order."""
    return BLANK_PATTERN.findall(document.text())


@dataclass(frozen=True)
class Registered:
    document: DocumentOut
    version: DocumentVersionOut
    created: bool


def register_template(
    session: Session, actor: Actor | str, name: str, *, organisation: str, today: dt.date | None = None
) -> tuple[Document, Registered]:
    """Render template ``name`` and file it as a controlled document with a draft version.

    The document's title and kind are the template's (so the readiness rules that look for
    such a document find it once a version is approved) and its description names the
    clauses and controls it serves. When an active document of that title and kind exists,
    the filled template becomes a new draft version of it instead of a second document.
    """
    info = template(name)
    document = render_template(session, actor, info.name, organisation=organisation, today=today)
    docs = DocumentService(session, actor)
    versions = DocumentVersionService(session, actor)
    content = document.text()
    summary = f"Draft from the toolkit template {info.name}, filled from the register"
    existing = [d for d in docs.all(status="active") if d.title == info.title and d.kind == info.kind]
    if existing:
        target = existing[0]
        version = versions.new_version(target.id, {"content": content, "change_summary": summary})
        return document, Registered(target, version, created=False)
    created = docs.create(
        {
            "title": info.title,
            "kind": info.kind,
            "description": f"{info.purpose} Serves ISO/IEC 42001 {info.serves_label}.",
            "owner": actor.name if isinstance(actor, Actor) else actor,
            "review_interval_months": info.review_interval_months,
        }
    )
    version = versions.create({"document_id": created.id, "content": content, "change_summary": summary})
    return document, Registered(created, version, created=True)


__all__ = [
    "BLANK", "Registered", "TemplateInfo", "blank", "blanks", "fill", "parse_markdown", "register_context",
    "register_template", "render_template", "template", "templates",
]  # fmt: skip
