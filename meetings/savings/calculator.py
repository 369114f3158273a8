"""The savings model: what each attending endpoint's delegates would have cost travelling to Hà Nội.

Pure: no Flask, no database. Money is whole đồng (int), distances are road km to Hà Nội, times are
minutes or seconds (int). The rules, for one endpoint and one set of rates:

- local trip (distance < local_max_km): nothing to pay (Circular 40 pays own-vehicle travel from 15 km);
- travel: round trip per person. From air_from_km: the air fare band covering the distance; below it:
  the road fare band covering it, or else the own-vehicle rule (fuel_ml_per_km × fuel price × km);
- days: a same-day return (1 day, no night) only below same_day_max_km and for a one-day meeting;
  otherwise the meeting's calendar days, plus travel_days when the endpoint is beyond same_day_max_km;
  nights = days − 1;
- per diem × days and lodging (at the place of the meeting: Hà Nội) × nights, per person;
- minus the videoconference's own cost: endpoint-hours × vc_endpoint_hour_vnd, the hours being those
  recorded as connected, or else the meeting's length (at most VC_HOURS_PER_DAY a day);
- absent or unrecorded endpoints save nothing and cost nothing; a saving may be negative (a local
  endpoint costs its VC hours) and is shown as computed.

Fares that never fall with distance (check_rates) make a saving never fall with distance or attendees.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from meetings.attendance.models import ATTENDED

MODES = ("road", "air")

DESTINATION = "hanoi"  # the model's delegates travel to the Ministry, 60 Trần Phú, Hà Nội
VC_HOURS_PER_DAY = 8

RATE_FIELDS = (
    "per_diem_vnd", "lodging_hanoi_vnd", "lodging_city_vnd", "lodging_other_vnd", "fuel_price_vnd", "fuel_ml_per_km",
    "local_max_km", "same_day_max_km", "travel_days", "air_from_km", "road_speed_kmh", "air_speed_kmh",
    "air_transfer_minutes", "vc_endpoint_hour_vnd",
)
POSITIVE_FIELDS = ("road_speed_kmh", "air_speed_kmh")

# Circular 40/2017/TT-BTC ceilings (per diem, lodging lump sums, own vehicle 0.2 l/km) and the model's own
# defaults (fuel price, fares, distances, speeds, VC cost), all editable per version.
DEFAULTS: dict[str, int] = {
    "per_diem_vnd": 200_000, "lodging_hanoi_vnd": 450_000, "lodging_city_vnd": 350_000, "lodging_other_vnd": 300_000,
    "fuel_price_vnd": 20_000, "fuel_ml_per_km": 200, "local_max_km": 15, "same_day_max_km": 150, "travel_days": 1,
    "air_from_km": 500, "road_speed_kmh": 50, "air_speed_kmh": 500, "air_transfer_minutes": 180,
    "vc_endpoint_hour_vnd": 100_000,
}
DEFAULT_FARES: tuple[tuple[str, int, int], ...] = (
    ("air", 500, 2_200_000),  # Hà Nội – Huế, Đà Nẵng, Đồng Hới: flexible economy, one way
    ("air", 1_000, 2_600_000),  # – Central Highlands, South Central Coast
    ("air", 1_400, 3_000_000),  # – Hồ Chí Minh City and the Mekong Delta
)
DEFAULT_EFFECTIVE_FROM = date(2017, 7, 1)  # Circular 40/2017/TT-BTC in force


@dataclass(frozen=True)
class FareBand:
    """One way, one person, for distances from from_km up to the next band of the same mode."""

    mode: str
    from_km: int
    fare_vnd: int


@dataclass(frozen=True)
class Rates:
    effective_from: date
    per_diem_vnd: int
    lodging_hanoi_vnd: int
    lodging_city_vnd: int
    lodging_other_vnd: int
    fuel_price_vnd: int
    fuel_ml_per_km: int
    local_max_km: int
    same_day_max_km: int
    travel_days: int
    air_from_km: int
    road_speed_kmh: int
    air_speed_kmh: int
    air_transfer_minutes: int
    vc_endpoint_hour_vnd: int
    fares: tuple[FareBand, ...] = ()
    version: int | None = None

    def lodging_for(self, place: str) -> int:
        return {"hanoi": self.lodging_hanoi_vnd, "city": self.lodging_city_vnd}.get(place, self.lodging_other_vnd)

    def bands(self, mode: str) -> list[FareBand]:
        return sorted((band for band in self.fares if band.mode == mode), key=lambda band: band.from_km)

    def to_dict(self) -> dict[str, Any]:
        return {"effective_from": self.effective_from.isoformat(), "version": self.version,
                **{name: getattr(self, name) for name in RATE_FIELDS},
                "fares": [{"mode": b.mode, "from_km": b.from_km, "fare_vnd": b.fare_vnd} for b in self.fares]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rates:
        return cls(effective_from=date.fromisoformat(data["effective_from"]), version=data.get("version"),
                   fares=tuple(FareBand(b["mode"], int(b["from_km"]), int(b["fare_vnd"])) for b in data["fares"]),
                   **{name: int(data[name]) for name in RATE_FIELDS})


def default_rates(effective_from: date = DEFAULT_EFFECTIVE_FROM) -> Rates:
    return Rates(effective_from=effective_from, fares=tuple(FareBand(*band) for band in DEFAULT_FARES), **DEFAULTS)


@dataclass(frozen=True)
class MeetingTime:
    """The meeting's start and end in Hà Nội time (aware or naive, but both the same)."""

    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        """Calendar days the meeting spans; a meeting ending at midnight does not take the next day."""
        last = (self.end - timedelta(microseconds=1)).date()
        return max(1, (last - self.start.date()).days + 1)

    @property
    def seconds(self) -> int:
        return max(0, int((self.end - self.start).total_seconds()))


@dataclass(frozen=True)
class Attendance:
    """What was recorded for one endpoint: its status, the people counted and the connected time."""

    endpoint: str
    distance_km: int
    status: str | None
    attendees: int
    connected_seconds: int | None = None


@dataclass(frozen=True)
class Fare:
    mode: str
    basis: str  # local, own_vehicle, road_band, air_band
    one_way_vnd: int
    band_from_km: int | None = None


@dataclass(frozen=True)
class Item:
    endpoint: str
    status: str | None
    counted: bool
    attendees: int
    distance_km: int
    mode: str | None
    basis: str | None
    fare_one_way_vnd: int
    band_from_km: int | None
    days: int
    nights: int
    same_day: bool
    travel_vnd: int
    per_diem_vnd: int
    lodging_vnd: int
    vc_seconds: int
    vc_cost_vnd: int
    saving_vnd: int
    travel_km: int
    travel_minutes: int


@dataclass(frozen=True)
class Savings:
    rates: Rates
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def total_vnd(self) -> int:
        return sum(item.saving_vnd for item in self.items)

    @property
    def travel_km(self) -> int:
        return sum(item.travel_km for item in self.items)

    @property
    def travel_minutes(self) -> int:
        return sum(item.travel_minutes for item in self.items)


def _div_round(numerator: int, denominator: int) -> int:
    """Integer division rounding half up, for non-negative numbers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _band(rates: Rates, mode: str, distance_km: int) -> FareBand | None:
    covering = [band for band in rates.bands(mode) if band.from_km <= distance_km]
    return covering[-1] if covering else None


def own_vehicle_vnd(rates: Rates, distance_km: int) -> int:
    """One way by the own-vehicle rule: fuel_ml_per_km millilitres of petrol a km at the fuel price."""
    return _div_round(rates.fuel_ml_per_km * rates.fuel_price_vnd * distance_km, 1000)


def one_way_fare(rates: Rates, distance_km: int) -> Fare:
    """The one-way cost for one person; raises ValueError when no air fare covers the distance."""
    if distance_km < rates.local_max_km:
        return Fare("road", "local", 0)
    if distance_km >= rates.air_from_km:
        band = _band(rates, "air", distance_km)
        if band is None:
            raise ValueError(f"no air fare covers {distance_km} km")
        return Fare("air", "air_band", band.fare_vnd, band.from_km)
    band = _band(rates, "road", distance_km)
    if band is not None:
        return Fare("road", "road_band", band.fare_vnd, band.from_km)
    return Fare("road", "own_vehicle", own_vehicle_vnd(rates, distance_km))


def trip_days(rates: Rates, distance_km: int, meeting_days: int) -> tuple[int, int, bool]:
    """(days, nights, same-day return) of one delegate's trip."""
    if distance_km < rates.local_max_km:
        return 0, 0, False
    if distance_km < rates.same_day_max_km and meeting_days == 1:
        return 1, 0, True
    days = meeting_days + (rates.travel_days if distance_km >= rates.same_day_max_km else 0)
    return days, days - 1, False


def one_way_minutes(rates: Rates, distance_km: int, mode: str) -> int:
    """Door to door: by road at the average speed; by air, the flight plus the airport transfers."""
    if mode == "air":
        return rates.air_transfer_minutes + _div_round(distance_km * 60, rates.air_speed_kmh)
    return _div_round(distance_km * 60, rates.road_speed_kmh)


def vc_seconds(meeting: MeetingTime, connected_seconds: int | None) -> int:
    if connected_seconds is not None:
        return connected_seconds
    return min(meeting.seconds, VC_HOURS_PER_DAY * 3600 * meeting.days)


def _nothing(attendance: Attendance) -> Item:
    return Item(endpoint=attendance.endpoint, status=attendance.status, counted=False, attendees=0,
                distance_km=attendance.distance_km, mode=None, basis=None, fare_one_way_vnd=0, band_from_km=None,
                days=0, nights=0, same_day=False, travel_vnd=0, per_diem_vnd=0, lodging_vnd=0, vc_seconds=0,
                vc_cost_vnd=0, saving_vnd=0, travel_km=0, travel_minutes=0)


def endpoint_savings(rates: Rates, meeting: MeetingTime, attendance: Attendance) -> Item:
    """The saving of one endpoint; absent or unrecorded endpoints save (and cost) nothing."""
    if attendance.status not in ATTENDED:
        return _nothing(attendance)
    distance, people = attendance.distance_km, max(0, attendance.attendees)
    fare = one_way_fare(rates, distance)
    days, nights, same_day = trip_days(rates, distance, meeting.days)
    travel = 2 * fare.one_way_vnd * people
    per_diem = rates.per_diem_vnd * days * people
    lodging = rates.lodging_for(DESTINATION) * nights * people
    seconds = vc_seconds(meeting, attendance.connected_seconds)
    vc_cost = _div_round(rates.vc_endpoint_hour_vnd * seconds, 3600)
    return Item(endpoint=attendance.endpoint, status=attendance.status, counted=True, attendees=people,
                distance_km=distance, mode=fare.mode, basis=fare.basis, fare_one_way_vnd=fare.one_way_vnd,
                band_from_km=fare.band_from_km, days=days, nights=nights, same_day=same_day, travel_vnd=travel,
                per_diem_vnd=per_diem, lodging_vnd=lodging, vc_seconds=seconds, vc_cost_vnd=vc_cost,
                saving_vnd=travel + per_diem + lodging - vc_cost, travel_km=2 * distance * people,
                travel_minutes=2 * one_way_minutes(rates, distance, fare.mode) * people)


def meeting_savings(rates: Rates, meeting: MeetingTime, attendances: Iterable[Attendance]) -> Savings:
    """Every endpoint's saving (the host is left out by the caller) under one set of rates."""
    return Savings(rates=rates, items=tuple(endpoint_savings(rates, meeting, a) for a in attendances))


@dataclass(frozen=True)
class RateProblem:
    field: str
    code: str  # negative, not_positive, bad_mode, duplicate_band, no_air_fare, road_band_unused, fare_decreases
    km: int | None = None


def _band_problems(rates: Rates) -> list[RateProblem]:
    problems, seen = [], set()
    for band in rates.fares:
        if band.mode not in MODES:
            problems.append(RateProblem("fares", "bad_mode"))
        elif band.from_km < 0 or band.fare_vnd < 0:
            problems.append(RateProblem("fares", "negative", band.from_km))
        elif (band.mode, band.from_km) in seen:
            problems.append(RateProblem("fares", "duplicate_band", band.from_km))
        elif band.mode == "road" and band.from_km >= rates.air_from_km:
            problems.append(RateProblem("fares", "road_band_unused", band.from_km))
        seen.add((band.mode, band.from_km))
    air = rates.bands("air")
    if not air or air[0].from_km > rates.air_from_km:
        problems.append(RateProblem("fares", "no_air_fare", rates.air_from_km))
    return problems


def _decreases_at(rates: Rates) -> list[int]:
    """Distances where the one-way fare is lower than just below them (fares are constant or rise
    linearly between these points, so checking them is enough)."""
    points = {rates.local_max_km, rates.air_from_km} | {band.from_km for band in rates.fares}
    return [km for km in sorted(points) if km > rates.local_max_km
            and one_way_fare(rates, km).one_way_vnd < one_way_fare(rates, km - 1).one_way_vnd]


def check_rates(rates: Rates) -> list[RateProblem]:
    """What keeps a set of rates from being used; empty when it is sound."""
    problems = [RateProblem(name, "negative") for name in RATE_FIELDS if getattr(rates, name) < 0]
    problems += [RateProblem(name, "not_positive") for name in POSITIVE_FIELDS if getattr(rates, name) <= 0]
    problems += _band_problems(rates)
    if not problems:
        problems += [RateProblem("fares", "fare_decreases", km) for km in _decreases_at(rates)]
    return problems
