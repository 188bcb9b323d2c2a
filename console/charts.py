"""Charts drawn on the server as inline SVG: no JavaScript, no image files, readable by screen readers.

Each chart has a <title> and <desc>; the page shows the same numbers in a table beside it. Colours
are from the GOV.UK palette and every series also differs in its dash pattern or shape, so the
chart does not rely on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no data for that point
    colour: str
    dash: str = ""  # an SVG stroke-dasharray, so lines differ without colour


def _x_positions(count: int) -> list[float]:
    inner = WIDTH - LEFT - RIGHT
    if count == 1:
        return [LEFT + inner / 2]
    return [LEFT + inner * index / (count - 1) for index in range(count)]


def _y(value: float, top_value: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - (value / top_value if top_value else 0))


def _frame(chart_id: str, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="console-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="arial, sans-serif" font-size="14">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]


def _axes(labels: Sequence[str], top_value: float, ticks: Sequence[float], tick_label: str) -> list[str]:
    parts: list[str] = []
    for tick in ticks:
        y = _y(tick, top_value)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 5:.1f}" text-anchor="end" fill="{TEXT}">'
                     f'{escape(tick_label.format(tick))}</text>')
    step = max(1, len(labels) // 8)  # at most about 8 labels, so they do not overlap
    for index, (x, label) in enumerate(zip(_x_positions(len(labels)), labels, strict=True)):
        if index % step == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle" fill="{TEXT}">'
                         f'{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="{TEXT}" stroke-width="2"/>')
    return parts


def _legend(series: Sequence[tuple[str, str, str]]) -> list[str]:
    parts: list[str] = []
    x = LEFT
    y = HEIGHT - 18
    for name, colour, dash in series:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x}" y1="{y - 5}" x2="{x + 28}" y2="{y - 5}" stroke="{colour}" stroke-width="4"{dash_attr}/>')
        parts.append(f'<text x="{x + 34}" y="{y}" fill="{TEXT}">{escape(name)}</text>')
        x += 48 + 8 * len(name)
    return parts


def line_chart(chart_id: str, title: str, description: str, labels: Sequence[str], series: Sequence[Series], *,
               top_value: float = 100.0, tick_label: str = "{:.0f}%") -> Markup:
    """Lines over time; a gap where a value is None."""
    parts = _frame(chart_id, title, description)
    parts += _axes(labels, top_value, [top_value * k / 4 for k in range(5)], tick_label)
    xs = _x_positions(len(labels))
    for one in series:
        dash = f' stroke-dasharray="{one.dash}"' if one.dash else ""
        run: list[str] = []
        for x, value in zip(xs, one.values, strict=True):
            if value is None:
                if run:
                    parts.append(_polyline(run, one.colour, dash))
                run = []
                continue
            run.append(f"{x:.1f},{_y(value, top_value):.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{_y(value, top_value):.1f}" r="4" fill="{one.colour}"/>')
        if run:
            parts.append(_polyline(run, one.colour, dash))
    parts += _legend([(one.name, one.colour, one.dash) for one in series])
    parts.append("</svg>")
    return Markup("".join(parts))


def _polyline(points: list[str], colour: str, dash: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="3"{dash}/>'


def stacked_bars(chart_id: str, title: str, description: str, labels: Sequence[str],
                 stacks: Sequence[tuple[str, Sequence[int], str]]) -> Markup:
    """One bar per label, made of the stacks' counts bottom to top."""
    totals = [sum(values[index] for _, values, _ in stacks) for index in range(len(labels))]
    top_value = max(4, max(totals or [0]))
    top_value = ((top_value + 3) // 4) * 4  # ticks on whole numbers
    parts = _frame(chart_id, title, description)
    parts += _axes(labels, top_value, [top_value * k / 4 for k in range(5)], "{:.0f}")
    xs = _x_positions(len(labels))
    gap = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar = max(6.0, min(40.0, gap * 0.6))
    for index, x in enumerate(xs):
        base = 0
        for name, values, colour in stacks:
            count = values[index]
            if count:
                y_top, y_bottom = _y(base + count, top_value), _y(base, top_value)
                parts.append(f'<rect x="{x - bar / 2:.1f}" y="{y_top:.1f}" width="{bar:.1f}" '
                             f'height="{y_bottom - y_top:.1f}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
                             f'<title>{escape(labels[index])}: {count} {escape(name)}</title></rect>')
            base += count
    parts += _legend([(name, colour, "") for name, _, colour in stacks])
    parts.append("</svg>")
    return Markup("".join(parts))
