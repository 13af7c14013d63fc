"""Errors the register services raise (all are :class:`openaims.errors.AimsError`)."""

from __future__ import annotations

from dataclasses import dataclass

from openaims.errors import AimsError, UsageError

#: Words written as people write them in a field's label.
_ACRONYMS = {"id": "ID", "ids": "IDs", "eu": "EU", "ai": "AI", "url": "URL", "kpi": "KPI", "raci": "RACI", "soa": "SoA"}
#: How a problem that reads as a predicate starts ("Owner must be ...", "Title is required").
_PREDICATES = ("must ", "is ", "does ", "has ", "holds ", "nested ", "contains ")


def field_label(name: str) -> str:
    """A field as a form labels it: ``dataset_ids`` -> ``Dataset IDs``, ``eu_ai_act`` -> ``EU AI Act``;
    a nested place (``eu_ai_act.role``, ``system_ids.0``) names the part and the item."""
    head, *rest = str(name).split(".")
    words = [_ACRONYMS.get(w, w) for w in head.split("_") if w]
    if words and words[0].islower():
        words[0] = words[0].capitalize()
    if words[:2] == ["EU", "AI"] and words[-1] == "act":
        words[-1] = "Act"
    label = " ".join(words)
    for part in rest:
        label += f" (item {int(part) + 1})" if part.isdigit() else f" {part.replace('_', ' ')}"
    return label


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field, for messages next to form fields: ``field`` is the field's name,
    ``message`` what is wrong in plain words (``must be a whole number (got 'abc')``)."""

    field: str
    message: str

    def render(self) -> str:
        """The problem as a sentence that names the field by its label."""
        if not self.field:
            return self.message
        label = field_label(self.field)
        return f"{label} {self.message}" if self.message.startswith(_PREDICATES) else f"{label}: {self.message}"


class RecordValidationError(UsageError):
    """Input that does not describe a valid record (exit 2); ``problems`` names each field."""

    def __init__(self, record_type: str, problems: list[FieldProblem]) -> None:
        self.record_type = record_type
        self.problems = problems
        detail = "; ".join(p.render() for p in problems)
        super().__init__(f"invalid {record_type.replace('_', ' ')}: {detail}")


class RuleViolationError(AimsError):
    """A business rule refuses the change (exit 1), e.g. closing a nonconformity without a verified action."""
