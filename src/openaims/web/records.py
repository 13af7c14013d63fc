"""How record types appear on pages: navigation groups, labels, and form widgets
derived from each service's pydantic input model (no rule lives here)."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any, Literal

from openaims.register import fields
from openaims.register.fields import FieldSpec, Kind, Shape
from openaims.register.services import RecordService, registry
from openaims.register.services.base import FIELD_LIMITS
from openaims.untrusted import InputError, read_json

GROUPS: list[tuple[str, list[str]]] = [
    ("Inventory", ["system", "component", "dataset", "supplier", "supplier_assessment"]),
    ("Risk", ["risk", "treatment", "impact_assessment", "security_review", "soa_entry", "risk_method"]),
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
            "monitoring_plan",
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
    "monitoring_plan": ["title", "system_id", "schedule", "owner"],
    "impact_assessment": ["title", "system_id", "assessor", "assessed_on"],
    "security_review": ["title", "system_id", "owner", "approved_on"],
    "management_review": ["title", "held_on", "chair"],
    "evidence": ["title", "kind", "filename", "owner"],
    "person": ["name", "username", "email", "unit"],
}

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
    """How one field is edited on a form, from the record type's field description."""

    name: str
    label: str
    kind: Literal[
        "text", "textarea", "number", "date", "datetime", "checkbox", "yesno", "select", "checks", "list",
        "reference", "references", "scale", "group", "json",
    ]
    required: bool
    choices: tuple[str, ...] = ()
    help: str = ""
    spec: FieldSpec | None = None
    #: Sub-widgets of a group (one per part), for each key or row of a mapping or list.
    parts: tuple[Widget, ...] = ()
    #: Keys of a mapping of groups (a fieldset each); rows of a list of groups are numbered.
    keys: tuple[str, ...] = ()

    @property
    def rows(self) -> bool:
        return self.kind == "group" and self.spec is not None and self.spec.shape is Shape.LIST


def _widget(spec: FieldSpec) -> Widget:
    """The widget that edits ``spec``: pickers for references, selects for choices and scales,
    sub-forms for groups, never a JSON box for a structure the description knows."""
    text, help_text, required = spec.label, spec.help, spec.required
    if spec.kind is Kind.GROUP:
        parts = tuple(_widget(p) for p in spec.parts)
        return Widget(spec.name, text, "group", required, (), help_text, spec, parts, spec.keys)
    if spec.kind is Kind.DATA or spec.shape is Shape.MAPPING:
        return Widget(spec.name, text, "json", required, (), help_text or "JSON.", spec)
    if spec.kind is Kind.REFERENCE:
        kind: Any = "references" if spec.many else "reference"
        if spec.target == "*":
            kind = "list" if spec.many else "text"
            help_text = help_text or "Record ids such as RISK-1, one per line."
        return Widget(spec.name, text, kind, required, (), help_text, spec)
    if spec.kind is Kind.CHOICE:
        return Widget(spec.name, text, "checks" if spec.many else "select", required, spec.choices, help_text, spec)
    if spec.many:
        return Widget(spec.name, text, "list", required, (), help_text or "One per line.", spec)
    simple: dict[Kind, str] = {
        Kind.BOOLEAN: "yesno" if spec.optional else "checkbox",
        Kind.INTEGER: "scale" if spec.scale else "number",
        Kind.NUMBER: "number",
        Kind.DATE: "date",
        Kind.DATETIME: "datetime",
        Kind.LONG_TEXT: "textarea",
    }
    kind = simple.get(spec.kind, "text")
    return Widget(spec.name, text, kind, required and kind != "checkbox", (), help_text, spec)


def widgets(service: type[RecordService[Any, Any]]) -> list[Widget]:
    """Form widgets in declaration order, for the fields a user gives; ``links`` last."""
    return sorted((_widget(spec) for spec in fields.inputs(service)), key=lambda w: w.name == "links")


def new_title(record_type: str) -> str:
    """``New risk``, ``New AI system``: lower-case unless the label holds an acronym or a proper name."""
    text = label(record_type)
    return "New " + (text if any(c.isupper() for c in text[1:]) else text[0].lower() + text[1:])


#: Hidden form field listing the checkboxes a form showed (an unticked box sends nothing).
SHOWN = "_shown"


def _parse_value(widget: Widget, raw: Any, *, partial: bool) -> tuple[bool, Any]:
    """(whether to set the field, its value) from one form value."""
    if isinstance(raw, list) and widget.kind not in ("checks", "references", "list"):
        raw = raw[-1] if raw else ""
    if widget.kind in ("checks", "references"):
        values = raw if isinstance(raw, list) else [raw]
        return True, [str(v).strip() for v in values if str(v).strip()]
    if isinstance(raw, list):
        return True, [str(v).strip() for v in raw if str(v).strip()]
    text = str(raw).strip()
    if widget.kind == "list":
        return True, [p.strip() for p in text.replace(",", "\n").splitlines() if p.strip()]
    if widget.kind == "yesno":
        return True, {"yes": True, "no": False}.get(text)
    if widget.kind == "json":
        if text:
            try:
                return True, read_json(text, widget.name, limits=FIELD_LIMITS)
            except InputError:
                return True, text  # let validation name the field
        return partial, widget.spec.empty() if widget.spec else None
    if text:
        return True, text
    return partial, None


def _parse_group(widget: Widget, form: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """One group's values from ``prefix.part`` form fields; None when every part is blank."""
    out: dict[str, Any] = {}
    for part in widget.parts:
        key = f"{prefix}.{part.name}"
        if part.kind == "checkbox":
            out[part.name] = form.get(key) in ("on", "true", "1", "yes")
            continue
        if key not in form:
            continue
        present, value = _parse_value(part, form[key], partial=False)
        if present and value not in (None, "", []):
            out[part.name] = value
    if not any(v not in (None, False, "", []) for v in out.values()):
        return None
    return out


def _parse_sub_form(widget: Widget, form: dict[str, Any]) -> Any:
    if widget.keys:
        groups = {key: _parse_group(widget, form, f"{widget.name}.{key}") for key in widget.keys}
        return {key: group for key, group in groups.items() if group is not None}
    if widget.rows:
        indexes = sorted({int(k.split(".")[1]) for k in form if k.startswith(widget.name + ".")
                          and k.split(".")[1].isdigit()})  # fmt: skip
        rows = [_parse_group(widget, form, f"{widget.name}.{i}") for i in indexes]
        return [row for row in rows if row is not None]
    return _parse_group(widget, form, widget.name)


def parse_form(service: type[RecordService[Any, Any]], form: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Form strings to service input; blanks are omitted (or cleared on update). A checkbox the
    form showed (listed in :data:`SHOWN`) and that is not ticked is false, so unticking persists."""
    shown_raw = form.get(SHOWN, [])
    shown = set(shown_raw if isinstance(shown_raw, list) else [shown_raw])
    data: dict[str, Any] = {}
    for widget in widgets(service):
        if widget.kind == "checkbox":
            if widget.name in form or widget.name in shown or not partial:
                data[widget.name] = form.get(widget.name) in ("on", "true", "1", "yes")
            continue
        if widget.kind == "group":
            if widget.name in shown or any(k.startswith(widget.name + ".") for k in form):
                value = _parse_sub_form(widget, form)
                if value is not None or partial:
                    data[widget.name] = value if value is not None else widget.spec.empty() if widget.spec else None
            continue
        if widget.kind in ("checks", "references") and widget.name not in form:
            if widget.name in shown:
                data[widget.name] = []
            continue
        raw = form.get(widget.name)
        if raw is None:
            continue
        present, value = _parse_value(widget, raw, partial=partial)
        if present:
            data[widget.name] = value
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


def form_values(service: type[RecordService[Any, Any]], record: Any) -> dict[str, Any]:
    """A record's values as its edit form shows them, with sub-form parts under ``field.key.part``."""
    out: dict[str, Any] = {}
    for widget in widgets(service):
        value = getattr(record, widget.name, None)
        if widget.kind == "group":
            out.update(_group_values(widget, value))
        else:
            out[widget.name] = form_value(widget, value)
    return out


def _group_values(widget: Widget, value: Any) -> dict[str, Any]:
    def one(prefix: str, group: Any) -> dict[str, Any]:
        data = group.model_dump() if hasattr(group, "model_dump") else dict(group or {})
        return {f"{prefix}.{p.name}": form_value(p, data.get(p.name)) for p in widget.parts}

    out: dict[str, Any] = {}
    if widget.keys:
        for key, group in (value or {}).items():
            out.update(one(f"{widget.name}.{getattr(key, 'value', key)}", group))
    elif widget.rows:
        for index, group in enumerate(value or []):
            out.update(one(f"{widget.name}.{index}", group))
    elif value is not None:
        out.update(one(widget.name, value))
    return out


def row_count(widget: Widget, values: dict[str, Any]) -> int:
    """Rows a list sub-form shows: those filled in, and two blank ones to add more."""
    prefix = widget.name + "."
    used = {k[len(prefix):].split(".")[0] for k in values if k.startswith(prefix)}
    filled = [int(i) for i in used if i.isdigit()]
    return (max(filled) + 1 if filled else 0) + 2


def form_value(widget: Widget, value: Any) -> Any:
    if value is None:
        return ""
    if widget.kind in ("checks", "references") and isinstance(value, list):
        return [str(getattr(v, "value", v)) for v in value]
    if widget.kind == "list" and isinstance(value, list):
        return "\n".join(str(getattr(v, "value", v)) for v in value)
    if widget.kind == "yesno" and isinstance(value, bool):
        return "yes" if value else "no"
    if widget.kind == "json":
        return json.dumps(value, indent=2, default=str)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return str(value)


#: References offered as a list of choices; a register with more shows a searchable text box.
MAX_PICKER = 500


def options(session: Any, actor: Any, form: list[Widget]) -> dict[str, list[tuple[str, str]]]:
    """(value, label) choices of each reference picker and scale on ``form``: target records by id
    and title, and risk-method levels as ``3 · possible``."""
    from openaims.register.services.base import service_for_prefix

    out: dict[str, list[tuple[str, str]]] = {}
    levels: dict[str, list[str]] | None = None
    for widget in form:
        spec = widget.spec
        if spec is None:
            continue
        if widget.kind in ("reference", "references") and spec.target:
            target = service_for_prefix(spec.target)
            if target is None:
                continue
            service = target(session, actor)
            page = service.list(limit=MAX_PICKER)
            if page.total > MAX_PICKER:
                continue
            out[widget.name] = [(item.id, _title(item, target.label_field)) for item in page.items]
        elif widget.kind == "scale" and spec.scale:
            levels = levels if levels is not None else _scales(session, actor)
            names = levels.get(spec.scale, [])
            out[widget.name] = [(str(i), f"{i} · {name}") for i, name in enumerate(names, start=1)]
    return out


def _title(item: Any, field: str) -> str:
    value = getattr(item, field, None)
    text = display(value) if value not in (None, "") else ""
    text = text if len(text) <= 90 else text[:89] + "…"
    return f"{item.id} · {text}" if text else item.id


def _scales(session: Any, actor: Any) -> dict[str, list[str]]:
    """Likelihood and impact levels of the approved risk method in force (the default one if none)."""
    from openaims.register.services.risks import DEFAULT_METHOD, RiskMethodService

    approved = RiskMethodService(session, actor).all(status="approved")
    method: Any = approved[-1].model_dump() if approved else DEFAULT_METHOD
    return {"likelihood": list(method["likelihood_levels"]), "impact": list(method["impact_levels"])}


@dataclass(frozen=True)
class FollowUp:
    """A record a user adds from another one's page, with the reference to it filled in."""

    label: str
    record_type: str
    field: str

    def url(self, record_id: str) -> str:
        return f"/records/{self.record_type}/new?{self.field}={record_id}"


def follow_ups(record_type: str) -> list[FollowUp]:
    """Records that belong to one of ``record_type`` (a required reference to it): a treatment of a
    risk, a corrective action of a nonconformity, a finding of an audit..."""
    known = services()
    own = known[record_type]
    out = []
    for name, cls in known.items():
        for spec in fields.inputs(cls):
            if spec.kind is Kind.REFERENCE and spec.required and not spec.many and spec.target == own.prefix():
                out.append(FollowUp(f"Add {label(name)[0].lower() + label(name)[1:]}", name, spec.name))
    return out


def status_widgets(cls: type[RecordService[Any, Any]], record: Any, status: str) -> list[Widget]:
    """What moving ``record`` to ``status`` asks for: the fields that status requires that are still
    blank, and yes/no answers not yet given when the move is the record's approval (an effective
    corrective action is verified as effective)."""
    wanted = set(cls.required.get(status, ()))
    point = cls.approval
    approving = point is not None and point.status == status
    out = []
    for widget in widgets(cls):
        value = getattr(record, widget.name, None)
        blank = value is None or value in ("", [], {})
        if not blank or (approving and point is not None and widget.name == point.by_field):
            continue
        if widget.name in wanted or (approving and widget.kind == "yesno"):
            out.append(widget)
    return out


def user_words(message: str) -> str:
    """A refusal as a person reads it on a page: command-line advice (``'aims ...'``) left out."""
    import re

    text = re.sub(r"[;,]?\s*\(?[^;(]*'aims [^']*'[^;)]*\)?", "", message).strip()
    text = text or message
    return text[0].upper() + text[1:] if text else text


def reference_fields(cls: type[RecordService[Any, Any]]) -> frozenset[str]:
    """Fields of ``cls`` that name other records (shown as links with the record's title)."""
    return frozenset(s.name for s in fields.describe(cls) if s.kind is Kind.REFERENCE and s.name != "links")


def titles(session: Any, actor: Any, values: list[Any]) -> dict[str, str]:
    """Title of each record id among ``values`` (ids or lists of ids) that exists."""
    from openaims.register.services.base import service_for_prefix

    out: dict[str, str] = {}
    for value in values:
        for record_id in [value] if isinstance(value, str) else list(value or []):
            cls = service_for_prefix(str(record_id).split("-", 1)[0])
            if cls is None or record_id in out:
                continue
            row = session.get(cls.model, record_id)
            if row is not None:
                text = display(getattr(row, cls.label_field, ""))
                out[record_id] = text if len(text) <= 90 else text[:89] + "…"
    return out


@dataclass(frozen=True)
class ObjectiveTrend:
    """An objective's measured values against its target, for its page."""

    latest: Any
    met: bool | None
    target_text: str
    points: list[tuple[str, float, str]]
    lines: list[tuple[str, float]]


def objective_trend(session: Any, actor: Any, objective: Any) -> ObjectiveTrend:
    """The objective's values over time (a missed one marked as a breach) and its target line."""
    from openaims.register.services.objectives import ObjectiveService

    service = ObjectiveService(session, actor)
    status = service.target_status(objective)
    points = [(str(m.measured_on), m.value, "ok" if service.met(objective, m.value) else "breach")
              for m in status.values]  # fmt: skip
    lines = [("target", objective.target_value)] if objective.target_value is not None else []
    return ObjectiveTrend(status.latest, status.met, status.target_text, points, lines)
