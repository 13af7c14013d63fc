"""Lint rules, one module per family; ``all_rules()`` lists them in id order."""

from __future__ import annotations

from openaims.lint.interface import CrossRule, Rule


def all_rules() -> tuple[list[Rule], list[CrossRule]]:
    """Every single-document rule and every cross-document rule."""
    from openaims.lint.rules import hidden_text, mcp, patterns, quality, secrets, settings

    single: list[Rule] = [
        *secrets.RULES,
        *hidden_text.RULES,
        *patterns.load_rules(),
        *quality.RULES,
        *mcp.RULES,
        *settings.RULES,
    ]
    cross: list[CrossRule] = [*quality.CROSS_RULES]
    single.sort(key=lambda r: r.id)
    ids = [r.id for r in single] + [r.id for r in cross]
    if len(ids) != len(set(ids)):
        raise RuntimeError(f"duplicate lint rule ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    return single, cross
