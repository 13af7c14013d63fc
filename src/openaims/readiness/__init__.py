"""Readiness: executable conformance rules over the register.

``summary_for_dashboard`` and ``ReadinessCount`` are loaded on first use, so importing a
submodule stays cheap.
"""

from __future__ import annotations

from typing import Any

_LAZY = {"summary_for_dashboard", "ReadinessCount", "current_report"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from openaims.readiness import dashboard

        return getattr(dashboard, name)
    raise AttributeError(f"module 'openaims.readiness' has no attribute {name!r}")
