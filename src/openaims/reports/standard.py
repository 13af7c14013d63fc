"""The standard's own numbers and headings (ISO/IEC 42001 clauses and Annex A controls) for documents."""

from __future__ import annotations

import functools


@functools.cache
def titles() -> dict[str, str]:
    """Every ISO/IEC 42001 clause and Annex A control id with its heading, as the catalogue holds it."""
    from openaims.frameworks.loader import load_catalogue

    framework = load_catalogue().framework("iso42001")
    return {item.id: item.title for item in framework.items.values() if "/" not in item.id}


def heading(ref: str | None) -> str:
    """``9.2 Internal audit`` for ``9.2``; an id the catalogue does not know is printed as it is."""
    if not ref:
        return ""
    ref = ref.strip()
    title = titles().get(ref)
    return f"{ref} {title}" if title else ref


__all__ = ["heading", "titles"]
