"""Errors the register services raise (all are :class:`openaims.errors.AimsError`)."""

from __future__ import annotations

from dataclasses import dataclass

from openaims.errors import AimsError, UsageError


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field, for messages next to form fields."""

    field: str
    message: str

    def render(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class RecordValidationError(UsageError):
    """Input that does not describe a valid record (exit 2); ``problems`` names each field."""

    def __init__(self, record_type: str, problems: list[FieldProblem]) -> None:
        self.record_type = record_type
        self.problems = problems
        detail = "; ".join(p.render() for p in problems)
        super().__init__(f"invalid {record_type.replace('_', ' ')}: {detail}")


class RuleViolationError(AimsError):
    """A business rule refuses the change (exit 1), e.g. closing a nonconformity without a verified action."""
