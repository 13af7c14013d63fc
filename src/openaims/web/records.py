"""How record types appear on pages: navigation groups, labels, and form widgets
derived from each service's pydantic input model (no rule lives here)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo

from openaims.register.errors import field_label
from openaims.register.services import RecordService, registry
from openaims.register.services.base import FIELD_LIMITS
from openaims.untrusted import InputError, read_json

GROUPS: list[tuple[str, list[str]]] = [
    ("Inventory", ["system", "component", "dataset", "supplier", "supplier_assessment"]),
    ("Risk", ["risk", "treatment", "impact_assessment", "soa_entry", "risk_method"]),
    (
        "Governance",
        [
            "scope",
            "context_issue",
            "interested_party",
            "document",
            "document_version",
            "objective",
            "measurement",
            "change",
        ],
    ),
    ("People", ["person", "role", "raci", "competence", "training", "communication"]),
    (
        "Assurance",
        [
            "incident",
            "nonconformity",
            "corrective_action",
            "audit_programme",
            "audit",
            "finding",
            "management_review",
            "evidence",
        ],
    ),
]

#: Columns shown in lists, per record type (others: the label field and owner).
LIST_COLUMNS: dict[str, list[str]] = {
    "system": ["name", "lifecycle_stage", "risk_tier", "owner"],
    "component": ["name", "kind", "provider", "repository", "system_id"],
    "risk": ["title", "inherent_rating", "residual_rating", "owner", "review_on"],
    "treatment": ["risk_id", "option", "owner", "due_date"],
    "soa_entry": ["control_id", "title", "applicable", "owner"],
    "incident": ["title", "severity", "owner", "detected_at"],
    "nonconformity": ["title", "source", "owner", "due_date"],
    "corrective_action": ["nonconformity_id", "description", "owner", "due_date"],
    "document": ["title", "kind", "owner"],
    "document_version": ["document_id", "number", "approver", "approved_on"],
    "audit": ["title", "auditor", "planned_on", "performed_on"],
    "finding": ["audit_id", "grade", "clause_ref", "description"],
    "objective": ["title", "metric", "target_value", "owner", "due_date"],
    "impact_assessment": ["title", "system_id", "assessor", "assessed_on"],
    "management_review": ["title", "held_on", "chair"],
    "evidence": ["title", "kind", "filename", "owner"],
    "person": ["name", "username", "email", "unit"],
}

#: Fields set by the system, never typed into a form.
READ_ONLY = frozenset(
    {
        "inherent_rating",
        "residual_rating",
        "sha256",
        "size",
        "media_type",
        "fingerprint",
        "first_seen",
        "last_seen",
        "disappeared",
    }
)


def services() -> dict[str, type[RecordService[Any, Any]]]:
    return dict(registry())


def label(record_type: str) -> str:
    special = {"soa_entry": "Statement of Applicability", "raci": "RACI", "system": "AI system"}
    return special.get(record_type, record_type.replace("_", " ").capitalize())


def plural(record_type: str) -> str:
    special = {
        "soa_entry": "Statement of Applicability",
        "raci": "RACI",
        "system": "AI systems",
        "evidence": "Evidence",
        "nonconformity": "Nonconformities",
        "person": "People",
        "competence": "Competence requirements",
        "training": "Training records",
        "communication": "Communication plan",
    }
    if record_type in special:
        return special[record_type]
    text = label(record_type)
    return text[:-1] + "ies" if text.endswith("y") else text + "s"


def nav() -> list[tuple[str, list[tuple[str, str]]]]:
    known = services()
    return [(group, [(t, plural(t)) for t in types_ if t in known]) for group, types_ in GROUPS]


def columns(record_type: str, service: type[RecordService[Any, Any]]) -> list[str]:
    wanted = LIST_COLUMNS.get(record_type) or [service.label_field, "owner"]
    fields = set(service.field_names())
    return [c for c in wanted if c in fields]


@dataclass(frozen=True)
class Widget:
    name: str
    label: str
    kind: Literal["text", "textarea", "number", "date", "datetime", "checkbox", "select", "list", "json"]
    required: bool
    choices: tuple[str, ...] = ()
    help: str = ""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The inner type and whether None is allowed."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0]
            continue
        return annotation, optional


def widget_for(name: str, info: FieldInfo) -> Widget:
    inner, optional = _unwrap(info.annotation)
    required = info.is_required() and not optional
    text = field_label(name)
    help_text = info.description or ""
    origin = get_origin(inner)
    if origin is Literal:
        return Widget(name, text, "select", required, tuple(str(a) for a in get_args(inner)), help_text)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return Widget(name, text, "select", required, tuple(str(m.value) for m in inner), help_text)
    if origin in (list, tuple, set, frozenset):
        args = get_args(inner)
        element, _ = _unwrap(args[0]) if args else (str, False)
        if get_origin(element) is Literal:
            return Widget(
                name, text, "list", required, tuple(str(a) for a in get_args(element)), help_text or "One per line."
            )
        if isinstance(element, type) and issubclass(element, enum.Enum):
            choices = tuple(str(m.value) for m in element)
            return Widget(name, text, "list", required, choices, help_text or "One per line.")
        if element in (str, int) or get_origin(element) is typing.Annotated:
            return Widget(name, text, "list", required, (), help_text or "One per line.")
        return Widget(name, text, "json", required, (), help_text or "JSON.")
    if origin is dict or inner is dict:
        return Widget(name, text, "json", required, (), help_text or "JSON object.")
    if inner is bool:
        return Widget(name, text, "checkbox", False, (), help_text)
    if inner is int or inner is float:
        return Widget(name, text, "number", required, (), help_text)
    if inner is dt.date:
        return Widget(name, text, "date", required, (), help_text)
    if inner is dt.datetime:
        return Widget(name, text, "datetime", required, (), help_text)
    big = name in {
        "description",
        "content",
        "statement",
        "purpose",
        "intended_use",
        "foreseeable_misuse",
        "human_oversight",
        "mitigations",
        "justification",
        "report",
        "summary",
        "decisions",
        "root_cause",
        "containment",
        "correction",
        "post_incident_review",
        "communications",
        "notes",
        "rationale",
        "requirements",
        "responsibilities",
        "findings",
    }
    return Widget(name, text, "textarea" if big else "text", required, (), help_text)


def widgets(service: type[RecordService[Any, Any]]) -> list[Widget]:
    """Form widgets in declaration order; the generic ``links`` field comes last."""
    hidden = READ_ONLY | service.register_fields()
    out = [widget_for(name, info) for name, info in service.fields.model_fields.items() if name not in hidden]
    return sorted(out, key=lambda w: w.name == "links")


def new_title(record_type: str) -> str:
    """``New risk``, ``New AI system``: lower-case unless the label holds an acronym or a proper name."""
    text = label(record_type)
    return "New " + (text if any(c.isupper() for c in text[1:]) else text[0].lower() + text[1:])


def parse_form(service: type[RecordService[Any, Any]], form: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Form strings to service input; blanks are omitted (or cleared on update)."""
    data: dict[str, Any] = {}
    for widget in widgets(service):
        if widget.kind == "checkbox":
            if widget.name in form or not partial:
                data[widget.name] = form.get(widget.name) in ("on", "true", "1", "yes")
            continue
        raw = form.get(widget.name)
        if raw is None:
            continue
        if isinstance(raw, list):
            values = [str(v).strip() for v in raw if str(v).strip()]
            data[widget.name] = values
            continue
        text = str(raw).strip()
        if widget.kind == "list":
            data[widget.name] = [p.strip() for p in text.replace(",", "\n").splitlines() if p.strip()]
        elif widget.kind == "json":
            if text:
                try:
                    data[widget.name] = read_json(text, widget.name, limits=FIELD_LIMITS)
                except InputError:
                    data[widget.name] = text  # let validation name the field
            elif partial:
                data[widget.name] = {} if "dict" in widget.help.lower() or "object" in widget.help.lower() else []
        elif text:
            data[widget.name] = text
        elif partial:
            data[widget.name] = None
    return data


def display(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, indent=1, sort_keys=True, default=str)
    return str(value)


def form_value(widget: Widget, value: Any) -> str:
    if value is None:
        return ""
    if widget.kind == "list" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if widget.kind == "json":
        return json.dumps(value, indent=2, default=str)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return str(value)
