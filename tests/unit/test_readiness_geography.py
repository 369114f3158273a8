"""The board's map: every seeded endpoint falls inside the outline, and points land inside the drawing."""
import csv
from importlib import resources

from meetings.readiness import geography


def _seeded():
    text = resources.files("meetings.seed").joinpath("endpoints.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_seeded_endpoint_is_inside_the_outline():
    outside = [row["code"] for row in _seeded()
               if not geography.inside(float(row["latitude"]), float(row["longitude"]))]
    assert outside == []


def test_points_outside_viet_nam_are_outside():
    assert not geography.inside(13.75, 100.50)  # Bangkok
    assert not geography.inside(16.0, 110.0)  # the sea east of Đà Nẵng


def test_projected_points_and_islands_fit_the_drawing():
    points = [geography.project(float(r["latitude"]), float(r["longitude"])) for r in _seeded()]
    points += [point for _, point in geography.archipelagos()]
    assert all(0 <= p.x <= geography.WIDTH and 0 <= p.y <= geography.HEIGHT for p in points)
    hanoi, hcmc = geography.project(21.03, 105.85), geography.project(10.78, 106.70)
    assert hanoi.y < hcmc.y  # north is up


def test_the_outline_is_a_closed_path():
    path = geography.outline_path()
    assert path.startswith("M") and path.endswith(" Z") and path.count(" L") == len(geography.OUTLINE) - 1
