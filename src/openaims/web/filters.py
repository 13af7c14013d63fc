"""Jinja filters and globals: presentation only."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from openaims.register.errors import field_label
from openaims.web import charts, records


def install(env: Environment) -> None:
    env.filters["display"] = records.display
    env.filters["label"] = records.label
    env.filters["field_label"] = field_label
    env.filters["plural"] = records.plural
    env.globals["nav"] = records.nav
    env.globals["bar_chart"] = charts.bar_chart
    env.globals["line_chart"] = charts.line_chart
    env.globals["series_chart"] = charts.series_chart
    env.globals["value_bars"] = charts.value_bars
    env.globals["form_value"] = records.form_value
    env.globals["row_count"] = records.row_count
    env.globals["status_class"] = status_class


def status_class(status: Any) -> str:
    text = str(status or "").lower()
    if text in {"approved", "closed", "verified", "done", "implemented", "met", "resolved", "active", "accepted"}:
        return "ok"
    if text in {"rejected", "missing", "critical", "high", "prohibited", "overdue", "open", "reported"}:
        return "bad"
    if text in {"pending", "partial", "draft", "in_review", "in_progress", "planned", "medium", "investigating"}:
        return "warn"
    return "neutral"
