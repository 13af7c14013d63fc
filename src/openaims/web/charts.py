"""Small server-rendered SVG charts (no JavaScript, no external assets)."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

#: Colours of categories that carry no order (providers, kinds, repositories): each label keeps
#: its colour whatever else the chart shows (chosen by a checksum of the label, not its position).
PALETTE = ["#2f5d9e", "#4a8fa8", "#8a4f9e", "#6b6f2a", "#a85a7a", "#3d6e70", "#7a5c3a", "#5a5f9e"]

#: Colours that carry meaning: a rating, severity or tier is as green or as red as it is low or high.
GREEN, LIME, AMBER, ORANGE, RED, DARK_RED, GREY = (
    "#2e7d4f", "#7a9a2e", "#c9961a", "#d2691e", "#c0392b", "#7f1d2d", "#8a8f98"
)
MEANING: dict[str, str] = {
    "very low": GREEN, "very_low": GREEN, "low": GREEN, "minimal": GREEN, "negligible": GREEN,
    "medium": AMBER, "moderate": AMBER, "limited": AMBER,
    "high": RED, "significant": ORANGE, "major": RED,
    "very high": DARK_RED, "very_high": DARK_RED, "critical": DARK_RED, "severe": DARK_RED, "extreme": DARK_RED,
    "prohibited": DARK_RED, "unacceptable": DARK_RED,
    "unrated": GREY, "unclassified": GREY, "unknown": GREY,
    "met": GREEN, "partial": AMBER, "missing": RED, "not applicable": GREY, "not_applicable": GREY,
}  # fmt: skip
#: From lowest to highest, for rating scales whose level names are not in :data:`MEANING`.
RAMP = [GREEN, LIME, AMBER, ORANGE, RED, DARK_RED]


def category_colour(label: str) -> str:
    """The fixed colour of a category label."""
    return PALETTE[zlib.crc32(label.strip().lower().encode("utf-8")) % len(PALETTE)]


def scale_colours(levels: Sequence[str]) -> dict[str, str]:
    """Colours of an ordered scale (lowest first): known words by their meaning, others along
    a fixed green-to-red ramp by their position."""
    out: dict[str, str] = {}
    n = len(levels)
    for index, level in enumerate(levels):
        known = MEANING.get(level.strip().lower())
        out[level] = known or RAMP[round(index * (len(RAMP) - 1) / (n - 1)) if n > 1 else 0]
    return out


def colour_for(label: str, scale: Mapping[str, str] | None) -> str:
    """A bar's colour: its meaning on ``scale`` when given, else the label's category colour."""
    if scale is not None:
        return scale.get(label) or MEANING.get(label.strip().lower()) or GREY
    return category_colour(label)


def _described(title: str, rows: Sequence[tuple[str, object]]) -> str:
    """The chart in words, for screen readers and as the SVG's description."""
    values = "; ".join(f"{label}: {value}" for label, value in rows)
    return f"{title}. {values}." if values else f"{title}: no data."


def bar_chart(
    items: Sequence[object],
    *,
    title: str,
    width: int = 420,
    scale: Sequence[str] | Mapping[str, str] | None = None,
    unit: str = "",
) -> Markup:
    """Horizontal bars for ``Count``-like items (``label``, ``count``). With ``scale`` (the levels of
    a rating, severity or tier, lowest first, or a mapping of level to colour) each bar has the
    colour of its level's meaning; otherwise each label keeps its own category colour."""
    rows = [(str(getattr(i, "label", "")), int(getattr(i, "count", 0))) for i in items]
    if not rows:
        return Markup(f'<p class="empty">No data yet for {escape(title.lower())}.</p>')  # noqa: S704 (escaped)
    colours = scale if isinstance(scale, Mapping) else scale_colours(list(scale)) if scale is not None else None
    top = max(c for _, c in rows) or 1
    bar_h, gap, label_w = 18, 6, 150
    height = len(rows) * (bar_h + gap) + 4
    words = _described(title, [(label, f"{count}{unit}") for label, count in rows])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(words)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(words)}</desc>"
    ]
    for index, (label, count) in enumerate(rows):
        y = index * (bar_h + gap) + 2
        w = max(2, int((width - label_w - 50) * count / top))
        colour = colour_for(label, colours)
        short = label if len(label) <= 22 else label[:21] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="chart-label">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3" fill="{colour}">'
            f"<title>{escape(label)}: {count}{escape(unit)}</title></rect>"
            f'<text x="{label_w + w + 6}" y="{y + 13}" class="chart-value">{count}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every interpolated text is escaped)


def line_chart(labels: Sequence[str], series: dict[str, Sequence[int]], *, title: str, width: int = 520) -> Markup:
    """Lines over weeks; each series a name and one value per label."""
    height, pad_l, pad_b, pad_t = 160, 36, 28, 10
    top = max([1, *(v for values in series.values() for v in values)])
    n = max(1, len(labels) - 1)
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    words = _described(title, [
        (name, ", ".join(f"{label} {value}" for label, value in zip(labels, values, strict=False)))
        for name, values in series.items()
    ])  # fmt: skip
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(words)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(words)}</desc>",
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{pad_l + plot_w}" y2="{pad_t + plot_h}" class="axis"/>',
        f'<text x="{pad_l - 6}" y="{pad_t + 8}" text-anchor="end" class="chart-value">{top}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + plot_h}" text-anchor="end" class="chart-value">0</text>',
    ]
    for index, label in enumerate(labels):
        if index % max(1, len(labels) // 6) == 0:
            x = pad_l + plot_w * index / n
            parts.append(
                f'<text x="{x:.0f}" y="{height - 8}" text-anchor="middle" class="chart-label">'
                f"{escape(label[5:])}</text>"
            )
    for s_index, (name, values) in enumerate(series.items()):
        colour = category_colour(name)
        points = " ".join(
            f"{pad_l + plot_w * i / n:.1f},{pad_t + plot_h - plot_h * v / top:.1f}" for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        legend_x = pad_l + 8 + 170 * s_index
        parts.append(
            f'<rect x="{legend_x}" y="{pad_t + 2}" width="10" height="10" rx="2" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{pad_t + 11}" class="chart-label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every interpolated text is escaped)


def series_chart(
    points: Sequence[tuple[str, float, str]],
    *,
    title: str,
    thresholds: Sequence[tuple[str, float]] = (),
    width: int = 520,
) -> Markup:
    """One metric over time: (time label, value, level) points, with horizontal threshold lines
    (name, value); a point in breach or warning is marked in its colour."""
    if not points:
        return Markup(f'<p class="empty">No values yet for {escape(title)}.</p>')  # noqa: S704 (escaped)
    height, pad_l, pad_b, pad_t, pad_r = 170, 54, 28, 12, 12
    values = [v for _, v, _ in points] + [t for _, t in thresholds]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    margin = (high - low) * 0.08
    low, high = low - margin, high + margin
    plot_w, plot_h = width - pad_l - pad_r, height - pad_b - pad_t
    n = max(1, len(points) - 1)

    def y(value: float) -> float:
        return pad_t + plot_h - plot_h * (value - low) / (high - low)

    def x(index: int) -> float:
        return pad_l + (plot_w * index / n if len(points) > 1 else plot_w / 2)

    words = _described(title, [(label, f"{value:.4g} ({level})") for label, value, level in points[-24:]]
                       + [(f"{name} threshold", f"{value:g}") for name, value in thresholds])  # fmt: skip
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(words)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(words)}</desc>",
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{pad_l + plot_w}" y2="{pad_t + plot_h}" class="axis"/>',
        f'<text x="{pad_l - 6}" y="{pad_t + 8}" text-anchor="end" class="chart-value">{high:.3g}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + plot_h}" text-anchor="end" class="chart-value">{low:.3g}</text>',
    ]
    colours = {"warning": "#c27c2c", "breach": "#b8454a"}
    for name, value in thresholds:
        colour = colours.get(name, "#7a7f3a")
        parts.append(
            f'<line x1="{pad_l}" y1="{y(value):.1f}" x2="{pad_l + plot_w}" y2="{y(value):.1f}" stroke="{colour}" '
            f'stroke-dasharray="5 4" stroke-width="1.5" class="threshold threshold-{escape(name)}">'
            f"<title>{escape(name)} threshold {value:g}</title></line>"
            f'<text x="{pad_l + plot_w - 2}" y="{y(value) - 3:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(name)} {value:g}</text>"
        )
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v, _) in enumerate(points))
    parts.append(f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{line}"/>')
    for index, (label, value, level) in enumerate(points):
        colour = colours.get(level, PALETTE[0])
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}" class="point-{escape(level)}">'
            f"<title>{escape(label)}: {value:.4g} ({escape(level)})</title></circle>"
        )
    step = max(1, len(points) // 5)
    for index, (label, _value, _level) in enumerate(points):
        if index % step == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{x(index):.0f}" y="{height - 8}" text-anchor="middle" class="chart-label">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every interpolated text is escaped)


def value_bars(items: Sequence[tuple[str, float, str]], *, title: str, width: int = 420) -> Markup:
    """Horizontal bars of (label, value, level), e.g. a rate per group; bars past a threshold in its colour."""
    if not items:
        return Markup(f'<p class="empty">No values yet for {escape(title)}.</p>')  # noqa: S704 (escaped)
    top = max(abs(v) for _, v, _ in items) or 1.0
    bar_h, gap, label_w = 18, 6, 150
    height = len(items) * (bar_h + gap) + 4
    colours = {"warning": "#c27c2c", "breach": "#b8454a"}
    words = _described(title, [(label, f"{value:.4g} ({level})") for label, value, level in items])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(words)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(words)}</desc>"
    ]
    for index, (label, value, level) in enumerate(items):
        y = index * (bar_h + gap) + 2
        w = max(2, int((width - label_w - 60) * abs(value) / top))
        colour = colours.get(level, category_colour(label))
        short = label if len(label) <= 22 else label[:21] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="chart-label">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3" fill="{colour}">'
            f"<title>{escape(label)}: {value:.4g} ({escape(level)})</title></rect>"
            f'<text x="{label_w + w + 6}" y="{y + 13}" class="chart-value">{value:.3g}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every interpolated text is escaped)
