"""Geometry of the dashboard's SVG charts (drawn by templates/stats/_charts.html); pure, no Flask."""
from __future__ import annotations

import math
from dataclasses import dataclass

from meetings.readiness import geography


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    series: int = 0


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, float]]  # (y, value)
    labels: list[tuple[float, str]]  # (x, label) under the axis
    baseline: float


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _scale(value: float, integers: bool) -> tuple[float, float]:
    """The top of the axis and the step between its five ticks; counts get whole-number ticks."""
    if not integers:
        top = _nice_max(value)
        return top, top / 4
    step = max(1, math.ceil(_nice_max(value / 4))) if value > 0 else 1
    return step * 4, step


def column_chart(labels: list[str], series: list[list[float]], *, width: int = 460, height: int = 230,
                 integers: bool = False, strong_last: bool = True) -> Chart:
    """Grouped columns: one group per label, one column per series (e.g. the year before, then this year).

    The last series is drawn in the strong colour (series 1) and any earlier one in the light colour."""
    left, bottom, top = 52, 26, 10
    plot_height = height - bottom - top
    top_value, step = _scale(max((v for values in series for v in values), default=0), integers)
    offset = 2 - len(series) if strong_last else 0
    group = (width - left - 8) / max(1, len(labels))
    column = group * 0.8 / max(1, len(series))
    bars = []
    for index, label in enumerate(labels):
        for number, values in enumerate(series):
            value = values[index]
            bar_height = plot_height * max(0.0, value) / top_value
            bars.append(Bar(round(left + index * group + group * 0.1 + number * column, 1),
                            round(top + plot_height - bar_height, 1), round(column, 1), round(bar_height, 1),
                            label, value, number + offset))
    ticks = [(round(top + plot_height * (1 - i / 4), 1), step * i) for i in range(5)]
    centres = [(round(left + index * group + group / 2, 1), label) for index, label in enumerate(labels)]
    return Chart(width, height, bars, ticks, centres, top + plot_height)


def bar_list(rows: list[tuple[str, float]], *, width: int = 460, row_height: int = 26) -> Chart:
    """Horizontal bars, one per row, the label on the left (organising units, endpoints)."""
    left = 230
    top_value = _nice_max(max((value for _label, value in rows), default=0))
    bars = [Bar(left, index * row_height + 3, round((width - left - 44) * max(0.0, value) / top_value, 1),
                row_height - 6, label, value) for index, (label, value) in enumerate(rows)]
    return Chart(width, max(row_height, row_height * len(rows)), bars, [], [], 0)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    endpoint: str
    name: str
    connections: int
    rate: float


def map_dots(rows: list[dict], *, largest: float = 14.0) -> list[Dot]:
    """Endpoints placed on the board's map, the area growing with the connections they made."""
    most = max((row["connections"] for row in rows), default=0) or 1
    dots = []
    for row in rows:
        if row.get("latitude") is None or row.get("longitude") is None:
            continue
        point = geography.project(row["latitude"], row["longitude"])
        radius = round(max(2.5, largest * math.sqrt(row["connections"] / most)), 1)
        dots.append(Dot(point.x, point.y, radius, row["endpoint"], row["name"], row["connections"],
                        row["readiness_on_time_rate"]))
    return sorted(dots, key=lambda dot: -dot.r)  # small dots drawn last stay clickable


def map_legend(rows: list[dict], *, largest: float = 14.0) -> list[tuple[float, int]]:
    """Reference circles for the map: (radius, connections) for the most connected and two smaller sizes."""
    most = max((row["connections"] for row in rows), default=0)
    if not most:
        return []
    sizes = sorted({most, max(1, round(most / 4)), max(1, round(most / 16))}, reverse=True)
    return [(round(max(2.5, largest * math.sqrt(size / most)), 1), size) for size in sizes]
