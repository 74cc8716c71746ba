"""A small server-side SVG chart renderer: Python works out the geometry, templates under
``dashboard/charts/`` draw it. No JavaScript, nothing fetched from a CDN; labels go through
Django's autoescaping like any other text."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10^n at or above ``value`` (a readable top for an axis)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return candidate
    return 10 ** (exponent + 1)


def whole_ceiling(value: float, intervals: int = 4) -> tuple[int, int]:
    """A top for an axis of counts and its tick step, both whole numbers: people are counted
    one by one, so the axis never reads 0.5 listeners. Small counts get a tick per unit."""
    needed = max(math.ceil(value - 1e-9), 1)
    if needed <= intervals:
        return needed, 1
    step = math.ceil(nice_ceiling(needed / intervals))
    return step * math.ceil(needed / step), step


def _fmt(value: float) -> str:
    """A figure as text in the active language ("1,234.5" in English, "1234,5" in Portuguese).
    Only labels go through here: SVG coordinates are written unlocalised by the templates."""
    decimals = 0
    if value < 100 and value != int(value):
        decimals = 1 if round(value, 1) == round(value, 2) else 2
    return number_format(value, decimals, force_grouping=True)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    show_label: bool


@dataclass
class Tick:
    y: float
    label: str


class SvgChart:
    """A chart drawn by its SVG template (``template``), which reads the chart's fields."""

    template: str

    def render(self) -> str:
        return render_to_string(self.template, {"chart": self})


@dataclass
class ColumnChart(SvgChart):
    """Vertical bars over time (days or weeks)."""

    title: str
    unit: str
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    width: int = 640
    height: int = 240
    plot_left: int = 48
    plot_top: int = 12
    plot_bottom: int = 208
    total: str = ""
    empty: str = ""
    template: str = "dashboard/charts/columns.svg"


def column_chart(
    title: str,
    points: list[tuple[str, float]],
    *,
    unit: str = "",
    empty: str = "",
    additive: bool = True,
    counts: bool = False,
    shown: Callable[[float], str] | None = None,
) -> ColumnChart:
    """``points``: (label, value) in order. Every ~8th label is drawn so they never overlap.
    ``additive``: the values add up to a meaningful total (hours do; weekly distinct listeners do not).
    ``counts``: the values are whole numbers (people, sign-ups), and so are the axis ticks.
    ``shown``: how a value and the total read (hours as ``h:mm:ss``), a plain figure by default."""
    chart = ColumnChart(title=title, unit=unit, empty=empty)
    shown = shown or _fmt
    chart.total = shown(sum(v for _, v in points)) if additive else ""
    if not points or not any(v for _, v in points):
        chart.empty = chart.empty or gettext("no data in this period")
    highest = max((v for _, v in points), default=0)
    if counts:
        top, step = whole_ceiling(highest)
        fractions = [n * step / top for n in range(top // step + 1)]
    else:
        top = nice_ceiling(highest)
        fractions = [0, 0.25, 0.5, 0.75, 1]
    plot_width = chart.width - chart.plot_left - 8
    plot_height = chart.plot_bottom - chart.plot_top
    slot = plot_width / max(len(points), 1)
    every = max(1, math.ceil(len(points) / 8))
    for i, (label, value) in enumerate(points):
        height = plot_height * value / top if top else 0
        chart.bars.append(
            Bar(
                x=round(chart.plot_left + i * slot + slot * 0.1, 2),
                y=round(chart.plot_bottom - height, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=round(height, 2),
                label=label,
                value=shown(value),
                show_label=i % every == 0,
            )
        )
    chart.ticks = [
        Tick(y=round(chart.plot_bottom - plot_height * f, 2), label=_fmt(round(top * f) if counts else top * f))
        for f in fractions
    ]
    return chart


@dataclass
class Row:
    y: float
    width: float
    label: str
    value: str


@dataclass
class BarChart(SvgChart):
    """Horizontal bars, for rankings (most played) and rates (completion)."""

    title: str
    rows: list[Row] = field(default_factory=list)
    width: int = 640
    label_width: int = 260
    row_height: int = 26
    height: int = 40
    empty: str = ""
    template: str = "dashboard/charts/bars.svg"


def bar_chart(
    title: str, rows: list[tuple[str, float, str]], *, maximum: float | None = None, empty: str = ""
) -> BarChart:
    """``rows``: (label, value, shown value), largest first; ``maximum`` fixes the scale (100 for %)."""
    chart = BarChart(title=title, empty=empty)
    if not rows:
        chart.empty = chart.empty or gettext("no data in this period")
    top = maximum or max((v for _, v, _ in rows), default=0) or 1
    plot_width = chart.width - chart.label_width - 70
    for i, (label, value, shown) in enumerate(rows):
        chart.rows.append(
            Row(
                y=8 + i * chart.row_height,
                width=round(max(plot_width * value / top, 1 if value else 0), 2),
                label=label if len(label) <= 40 else label[:39] + "…",
                value=shown,
            )
        )
    chart.height = max(40, 16 + len(rows) * chart.row_height)
    return chart
