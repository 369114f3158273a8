"""A schematic map of Viet Nam for the readiness board, drawn from latitude and longitude; pure, no Flask.

The outline is a simplified trace of the land border and coast (about 120 points): enough to place the
endpoints at a glance, not a survey. The Hoàng Sa and Trường Sa archipelagos are marked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

NORTH, WEST = 23.6, 102.0
SOUTH, EAST = 8.1, 115.2
SCALE = 36.0  # SVG units per degree of latitude
# Equirectangular at Viet Nam's middle latitude keeps the country's shape without a projection library.
LONGITUDE_FACTOR = math.cos(math.radians(16.0))
WIDTH = round((EAST - WEST) * LONGITUDE_FACTOR * SCALE)
HEIGHT = round((NORTH - SOUTH) * SCALE)

# (latitude, longitude), clockwise from the Laos-China-Viet Nam border point at A Pa Chải.
OUTLINE = (
    (22.40, 102.14), (22.55, 102.37), (22.72, 102.62), (22.80, 102.92), (22.68, 103.20), (22.78, 103.45),
    (22.58, 103.70), (22.50, 103.97), (22.72, 104.25), (22.82, 104.55), (22.93, 104.80), (23.15, 105.00),
    (23.38, 105.32), (23.20, 105.55), (23.05, 105.80), (22.93, 106.05), (22.87, 106.35), (22.80, 106.62),
    (22.50, 106.70), (22.20, 106.68), (21.97, 106.72), (21.80, 106.95), (21.65, 107.30), (21.57, 107.60),
    (21.53, 107.97), (21.45, 107.95), (21.25, 107.60), (21.05, 107.35), (20.95, 107.10), (20.80, 106.85),
    (20.62, 106.70), (20.42, 106.58), (20.20, 106.40), (19.98, 106.10), (19.75, 105.92), (19.45, 105.82),
    (19.10, 105.72), (18.82, 105.72), (18.55, 105.90), (18.30, 106.10), (18.08, 106.42), (17.75, 106.48),
    (17.48, 106.62), (17.20, 106.88), (16.92, 107.16), (16.68, 107.45), (16.48, 107.72), (16.25, 108.02),
    (16.07, 108.25), (15.88, 108.40), (15.58, 108.62), (15.38, 108.82), (15.05, 108.92), (14.70, 109.05),
    (14.30, 109.10), (13.92, 109.22), (13.62, 109.26), (13.25, 109.30), (12.95, 109.42), (12.60, 109.30),
    (12.25, 109.20), (11.92, 109.18), (11.60, 109.05), (11.35, 109.00), (11.22, 108.75), (11.05, 108.45),
    (10.93, 108.30), (10.88, 108.05), (10.65, 107.75), (10.48, 107.42), (10.33, 107.08), (10.38, 106.92),
    (10.28, 106.75), (10.05, 106.62), (9.72, 106.55), (9.48, 106.22), (9.25, 105.82), (9.02, 105.45),
    (8.78, 105.10), (8.60, 104.72), (8.90, 104.80), (9.30, 104.82), (9.65, 104.88), (10.00, 105.05),
    (10.22, 104.90), (10.38, 104.48), (10.55, 104.75), (10.65, 104.98), (10.82, 105.12), (10.95, 105.35),
    (10.92, 105.72), (10.95, 106.05), (11.10, 106.02), (11.40, 105.92), (11.65, 106.05), (11.75, 106.30),
    (11.95, 106.55), (12.05, 106.85), (12.25, 107.25), (12.50, 107.52), (12.85, 107.55), (13.20, 107.58),
    (13.60, 107.50), (14.00, 107.42), (14.40, 107.50), (14.70, 107.55), (15.05, 107.42), (15.45, 107.25),
    (15.85, 107.15), (16.20, 107.15), (16.45, 106.90), (16.62, 106.58), (17.00, 106.40), (17.35, 106.05),
    (17.70, 105.70), (18.05, 105.45), (18.40, 105.15), (18.75, 104.75), (19.05, 104.40), (19.30, 104.00),
    (19.65, 104.20), (19.95, 104.35), (20.30, 104.45), (20.55, 104.10), (20.80, 103.70), (20.95, 103.30),
    (21.25, 102.98), (21.55, 102.82), (21.85, 102.62), (22.10, 102.40),
)

ARCHIPELAGOS = (("hoang-sa", 16.50, 111.90), ("truong-sa", 9.90, 114.10))


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float


def project(latitude: float, longitude: float) -> MapPoint:
    return MapPoint(round((longitude - WEST) * LONGITUDE_FACTOR * SCALE, 1), round((NORTH - latitude) * SCALE, 1))


def outline_path() -> str:
    """The SVG path (`d`) of the mainland outline."""
    points = [project(lat, lon) for lat, lon in OUTLINE]
    return "M" + " L".join(f"{p.x},{p.y}" for p in points) + " Z"


def archipelagos() -> list[tuple[str, MapPoint]]:
    return [(name, project(lat, lon)) for name, lat, lon in ARCHIPELAGOS]


def inside(latitude: float, longitude: float) -> bool:
    """Whether a point falls inside the outline (ray casting); the seed data is checked against it."""
    result = False
    points = OUTLINE
    for (lat1, lon1), (lat2, lon2) in zip(points, points[1:] + points[:1], strict=False):
        if (lat1 > latitude) != (lat2 > latitude):
            crossing = lon1 + (latitude - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if longitude < crossing:
                result = not result
    return result
