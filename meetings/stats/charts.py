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


def column_chart(labels: list[str], series: list[list[float]], *, width: int = 640, height: int = 220) -> Chart:
    """Grouped columns: one group per label, one column per series (e.g. this year and the year before)."""
    left, bottom, top = 56, 24, 10
    plot_height = height - bottom - top
    top_value = _nice_max(max((v for values in series for v in values), default=0))
    group = (width - left - 8) / max(1, len(labels))
    column = group * 0.8 / max(1, len(series))
    bars = []
    for index, label in enumerate(labels):
        for number, values in enumerate(series):
            value = values[index]
            bar_height = plot_height * max(0.0, value) / top_value
            bars.append(Bar(round(left + index * group + group * 0.1 + number * column, 1),
                            round(top + plot_height - bar_height, 1), round(column, 1), round(bar_height, 1),
                            label, value, number))
    ticks = [(round(top + plot_height * (1 - i / 4), 1), top_value * i / 4) for i in range(5)]
    centres = [(round(left + index * group + group / 2, 1), label) for index, label in enumerate(labels)]
    return Chart(width, height, bars, ticks, centres, top + plot_height)


def bar_list(rows: list[tuple[str, float]], *, width: int = 640, row_height: int = 22) -> Chart:
    """Horizontal bars, one per row, the label on the left (organising units, endpoints)."""
    left = 250
    top_value = _nice_max(max((value for _label, value in rows), default=0))
    bars = [Bar(left, index * row_height + 3, round((width - left - 70) * max(0.0, value) / top_value, 1),
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
