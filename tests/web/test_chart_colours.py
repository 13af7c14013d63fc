"""Chart colours carry meaning: a rating, severity or tier has the same colour wherever it is
(high red-ish, low green-ish), a category keeps its colour whatever else is charted, and every
chart says its values in words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.web.conftest import ADMIN, Hub

from openaims.register.services import IncidentService, RiskService
from openaims.web import charts


@dataclass
class Count:
    label: str
    count: int


def _fills(svg: str) -> dict[str, str]:
    """Bar label -> fill colour, from each bar's tooltip."""
    return {m.group(2): m.group(1) for m in re.finditer(r'fill="(#[0-9a-f]{6})"><title>([^:<]+):', str(svg))}


def _reddish(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r > g + 40 and r > b + 40


def _greenish(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return g > r and g > b


def test_ratings_have_fixed_meaningful_colours_in_any_order_or_subset() -> None:
    levels = ["low", "medium", "high", "critical"]
    full = _fills(charts.bar_chart([Count("critical", 1), Count("high", 4), Count("low", 2)], title="R", scale=levels))
    only_low = _fills(charts.bar_chart([Count("low", 9)], title="R", scale=levels))
    assert _reddish(full["high"])
    assert _reddish(full["critical"])
    assert _greenish(full["low"])
    assert only_low["low"] == full["low"]
    assert full["high"] != full["critical"]


def test_a_custom_scale_runs_from_green_to_red_by_position() -> None:
    colours = charts.scale_colours(["tolerable", "watch", "act now"])
    assert _greenish(colours["tolerable"])
    assert _reddish(colours["act now"])


def test_categories_keep_their_colour_whatever_else_is_charted() -> None:
    one = _fills(charts.bar_chart([Count("openai", 5), Count("anthropic", 3)], title="P"))
    two = _fills(charts.bar_chart([Count("mistral", 9), Count("anthropic", 4), Count("openai", 1)], title="P"))
    assert one["openai"] == two["openai"]
    assert one["anthropic"] == two["anthropic"]


def test_charts_say_their_values_in_words() -> None:
    bar = str(charts.bar_chart([Count("openai", 5), Count("<x>", 3)], title="Components by provider"))
    assert 'aria-label="Components by provider. openai: 5; &lt;x&gt;: 3."' in bar
    assert "<desc>Components by provider. openai: 5; &lt;x&gt;: 3.</desc>" in bar
    line = str(charts.line_chart(["2026-01-05", "2026-01-12"], {"changes": [3, 4]}, title="Weekly activity"))
    assert "changes: 2026-01-05 3, 2026-01-12 4" in line


def test_the_dashboard_colours_open_risks_by_rating(hub: Hub) -> None:
    with hub.db.session() as s:
        risks = RiskService(s, ADMIN)
        high = risks.create({"title": "Leak of card data", "owner": "mia", "inherent_likelihood": 2, "inherent_impact": 5})
        low = risks.create({"title": "Typo in a prompt", "owner": "mia", "inherent_likelihood": 1, "inherent_impact": 1})
        assert (high.inherent_rating, low.inherent_rating) == ("high", "low")
        IncidentService(s, ADMIN).create({"title": "Chatbot outage", "severity": "high", "owner": "mia"})
    c, _ = hub.session_client("aude")
    page = c.get("/").text
    ratings = page.split("<h2>Open risks by rating</h2>")[1].split("</section>")[0]
    fills = _fills(ratings)
    assert _reddish(fills["high"])
    assert _greenish(fills["low"])
    severity = _fills(page.split("<h2>Incidents by severity</h2>")[1].split("</section>")[0])
    assert severity["high"] == fills["high"]
    assert 'aria-label="Open risks by rating. ' in ratings
