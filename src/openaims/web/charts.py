"""Small server-rendered SVG charts (no JavaScript, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ["#2f5d9e", "#3f8f6b", "#c27c2c", "#8a4f9e", "#b8454a", "#4a8fa8", "#7a7f3a", "#a85a7a"]


def bar_chart(items: Sequence[object], *, title: str, width: int = 420) -> Markup:
    """Horizontal bars for ``Count``-like items (``label``, ``count``)."""
    rows = [(str(getattr(i, "label", "")), int(getattr(i, "count", 0))) for i in items]
    if not rows:
        return Markup(f'<p class="empty">No data yet for {escape(title.lower())}.</p>')  # noqa: S704 (escaped)
    top = max(c for _, c in rows) or 1
    bar_h, gap, label_w = 18, 6, 150
    height = len(rows) * (bar_h + gap) + 4
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, count) in enumerate(rows):
        y = index * (bar_h + gap) + 2
        w = max(2, int((width - label_w - 50) * count / top))
        colour = PALETTE[index % len(PALETTE)]
        short = label if len(label) <= 22 else label[:21] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="chart-label">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3" fill="{colour}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{label_w + w + 6}" y="{y + 13}" class="chart-value">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every interpolated text is escaped)


def line_chart(labels: Sequence[str], series: dict[str, Sequence[int]], *, title: str, width: int = 520) -> Markup:
    """Lines over weeks; each series a name and one value per label."""
    height, pad_l, pad_b, pad_t = 160, 36, 28, 10
    top = max([1, *(v for values in series.values() for v in values)])
    n = max(1, len(labels) - 1)
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
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
        colour = PALETTE[s_index % len(PALETTE)]
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
