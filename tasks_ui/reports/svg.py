"""Small server-side SVG charts for the report pages: horizontal bars, grouped bars, a line chart.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (read by screen readers), a
``<title>`` per bar or point (hover tooltip) and the values written beside the marks, so nothing needs
JavaScript and the printed page shows the numbers. The pages also show the same figures in a table.
Colours come from CSS classes (``static/reports.css``) so print and screen styles can differ.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 440
FONT = 16
_ids = itertools.count(1)
_language: ContextVar[str] = ContextVar("chart_language", default="id")


@dataclass(frozen=True)
class Series:
    """One named series of values (``css`` picks its colour: ``s1`` … ``s4``, ``ok``, ``late``, ``muted``)."""

    name: str
    values: Sequence[float | None]
    css: str = "s1"


def use_language(lang: str) -> None:
    """Write numbers on the next charts of this request the ``id`` (``2,5``) or ``en`` (``2.5``) way."""
    _language.set(lang)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if _language.get() != "en":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text}{unit}"


def _open(title: str, desc: str, height: float, css: str, fluid: bool = False) -> tuple[str, str]:
    """The ``<svg>`` head (natural size, shrinking on narrow screens; ``fluid``: as wide as its box)."""
    uid = f"chart{next(_ids)}"
    size = 'width="100%"' if fluid else f'width="{WIDTH}" height="{height:.0f}"'
    head = (
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height:.0f}" {size} role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet" font-size="{FONT}">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def _fit(label: str, width: float = WIDTH) -> str:
    """``label`` shortened with an ellipsis to fit ``width`` (the full text stays in the tooltip)."""
    limit = int(width / (FONT * 0.56))
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _axis_top(series: Sequence[Series], max_value: float | None = None) -> float:
    """The top of the value axis: ``max_value``, else a round number at or above the largest value."""
    values = [v for s in series for v in s.values if v is not None]
    return max_value or _nice_max(max(values, default=0))


def _value_at(item: Series, index: int) -> float | None:
    """``item``'s value for the label at ``index`` (``None`` where the series is shorter)."""
    return item.values[index] if index < len(item.values) else None


def _y_grid(top: float, left: float, top_pad: float, plot_h: float, unit: str = "") -> list[str]:
    """Grid lines at zero, half and the top of the value axis, each with its value left of the plot."""
    lines = []
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        lines.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 5:.1f}" text-anchor="end">'
            f"{_fmt(top * fraction, unit)}</text>"
        )
    return lines


def _x_label(x: float, y: float, label: str) -> str:
    """A label under the plot, centred on ``x``."""
    return f'<text class="axis" x="{x:.1f}" y="{y}" text-anchor="middle">{escape(label)}</text>'


def _legend(series: Sequence[Series], y: float) -> str:
    parts, x = [], 0.0
    for item in series:
        parts.append(
            f'<rect class="bar {item.css}" x="{x:.0f}" y="{y - 11:.0f}" width="14" height="14" rx="2"/>'
            f'<text x="{x + 20:.0f}" y="{y + 1:.0f}">{escape(item.name)}</text>'
        )
        x += 34 + len(item.name) * FONT * 0.55
    return '<g class="legend">' + "".join(parts) + "</g>"


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    max_value: float | None = None,
    empty_text: str = "—",
) -> Markup:
    """Horizontal bars, one group per label (label on its own line above, so long names fit a phone).

    With several series each group has one thin bar per series and a legend on top.
    """
    if not labels:
        head, tail = _open(title, desc or empty_text, 40, "bars empty")
        return Markup(f'{head}<text x="0" y="24" class="muted">{escape(empty_text)}</text>{tail}')
    top = _axis_top(series, max_value)
    bar_h = 18 if len(series) == 1 else 13
    group_h = FONT + 8 + bar_h * len(series) + 4 * (len(series) - 1) + 12
    legend_h = 26 if len(series) > 1 else 0
    height = legend_h + group_h * len(labels) + 4
    label_w = 64  # room right of the longest bar for its value
    scale = (WIDTH - label_w) / top
    head, tail = _open(title, desc or title, height, "bars")
    body = [_legend(series, 16)] if legend_h else []
    for index, label in enumerate(labels):
        y = legend_h + index * group_h
        body.append(
            f'<text x="0" y="{y + FONT:.0f}" class="label">'
            f"<title>{escape(label)}</title>{escape(_fit(label))}</text>"
        )
        for offset, item in enumerate(series):
            value = _value_at(item, index)
            by = y + FONT + 6 + offset * (bar_h + 4)
            width = max(0.0, (value or 0) * scale)
            tip = (
                f"{label} — {item.name}: {_fmt(value, unit)}"
                if len(series) > 1
                else f"{label}: {_fmt(value, unit)}"
            )
            body.append(
                f"<g><title>{escape(tip)}</title>"
                f'<rect class="bar {item.css}" x="0" y="{by:.1f}" width="{max(width, 1.5):.1f}" '
                f'height="{bar_h}" rx="2"/>'
                f'<text x="{width + 6:.1f}" y="{by + bar_h - 3:.1f}" class="value">'
                f"{escape(_fmt(value, unit))}</text></g>"
            )
    return Markup(head + "".join(body) + tail)


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    label_every: int = 1,
) -> Markup:
    """Vertical grouped columns over time-like labels (weeks, months), with a legend and a y axis."""
    height, left, bottom, top_pad = 260, 36, 40, 34
    plot_w, plot_h = WIDTH - left - 4, height - bottom - top_pad
    top = _axis_top(series)
    head, tail = _open(title, desc or title, height, "columns")
    body = [_legend(series, 16), *_y_grid(top, left, top_pad, plot_h)]
    slot = plot_w / max(1, len(labels))
    bar_w = max(2.0, (slot - 4) / max(1, len(series)))
    for index, label in enumerate(labels):
        x0 = left + index * slot + 2
        for offset, item in enumerate(series):
            value = _value_at(item, index)
            h = (value or 0) / top * plot_h
            x = x0 + offset * bar_w
            body.append(
                f'<rect class="bar {item.css}" x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" '
                f'width="{bar_w - 1:.1f}" height="{max(h, 0.5):.1f}">'
                f"<title>{escape(label)} — {escape(item.name)}: {escape(_fmt(value, unit))}</title></rect>"
            )
        if index % label_every == 0:
            body.append(_x_label(x0 + slot / 2 - 2, height - bottom + 18, label))
    body.append(
        f'<line class="axis-line" x1="{left}" x2="{WIDTH}" y1="{top_pad + plot_h}" y2="{top_pad + plot_h}"/>'
    )
    return Markup(head + "".join(body) + tail)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    max_value: float | None = None,
    label_every: int = 1,
) -> Markup:
    """Lines with points over time-like labels; a ``None`` value breaks the line."""
    height, left, bottom, top_pad = 240, 40, 40, 34
    plot_w, plot_h = WIDTH - left - 12, height - bottom - top_pad
    top = _axis_top(series, max_value)
    head, tail = _open(title, desc or title, height, "lines")
    body = [_legend(series, 16), *_y_grid(top, left, top_pad, plot_h, unit)]
    step = plot_w / max(1, len(labels) - 1)
    for item in series:
        points, path = [], []
        for index, value in enumerate(item.values):
            if value is None:
                path.append(None)
                continue
            x, y = left + 6 + index * step, top_pad + plot_h * (1 - value / top)
            path.append((x, y))
            points.append(
                f'<circle class="dot {item.css}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
                f"<title>{escape(labels[index])} — {escape(item.name)}: "
                f"{escape(_fmt(value, unit))}</title></circle>"
            )
        segments, current = [], []
        for point in path + [None]:
            if point is None:
                if len(current) > 1:
                    segments.append(current)
                current = []
            else:
                current.append(point)
        for segment in segments:
            d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(segment))
            body.append(f'<path class="line {item.css}" d="{d}" fill="none"/>')
        body.extend(points)
    for index, label in enumerate(labels):
        if index % label_every == 0:
            body.append(_x_label(left + 6 + index * step, height - bottom + 18, label))
    return Markup(head + "".join(body) + tail)


def percent_meter(ratio: float | None, *, title: str, caption: str) -> Markup:
    """A single horizontal meter for a share (0..1), e.g. deadline compliance."""
    head, tail = _open(title, caption, 38, "meter", fluid=True)
    if ratio is None:
        return Markup(
            f'{head}<rect class="track" x="0" y="6" width="{WIDTH}" height="26" rx="4"/>'
            f'<text x="8" y="25" class="muted">—</text>{tail}'
        )
    width = WIDTH * max(0.0, min(1.0, ratio))
    css = "ok" if ratio >= 0.9 else ("s3" if ratio >= 0.7 else "late")
    return Markup(
        f'{head}<rect class="track" x="0" y="6" width="{WIDTH}" height="26" rx="4"/>'
        f'<rect class="bar {css}" x="0" y="6" width="{width:.1f}" height="26" rx="4"/>'
        f'<text x="{WIDTH - 6}" y="25" text-anchor="end" class="value strong">'
        f"{escape(_fmt(ratio * 100, ' %'))}</text>{tail}"
    )
