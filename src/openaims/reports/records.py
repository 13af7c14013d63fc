"""A record as a reader sees it in a document: its id, its name and what it says."""

from __future__ import annotations

from typing import Any

#: Fields that name a record, in the order they are tried.
LABEL_FIELDS = ("title", "name", "control_id", "process", "topic", "match", "objective_id", "risk_id", "document_id")
#: Fields whose text is the record's content, in the order they are shown.
CONTENT_FIELDS = (
    "statement", "description", "summary", "justification", "content", "conclusions", "outcome", "criteria",
    "findings", "decisions", "root_cause", "action", "purpose", "intended_use", "rationale", "notes",
)  # fmt: skip
MAX_CONTENT = 400


def label(record: Any) -> str:
    for name in LABEL_FIELDS:
        value = getattr(record, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return record.id  # type: ignore[no-any-return]


def content(record: Any, limit: int = MAX_CONTENT) -> str:
    parts = []
    for name in CONTENT_FIELDS:
        value = getattr(record, name, None)
        if isinstance(value, str) and value.strip() and value.strip() != label(record):
            parts.append(" ".join(value.split()))
    text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def describe(record: Any, limit: int = MAX_CONTENT) -> str:
    """``RISK-3 "Biased credit decisions" (treated): what the record says``."""
    said = content(record, limit)
    head = f'{record.id} "{label(record)}" ({str(record.status).replace("_", " ")})'
    return f"{head}: {said}" if said else head


__all__ = ["content", "describe", "label"]
