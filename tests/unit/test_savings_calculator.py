"""The savings model by hand: Hà Nội, 300 km (no same-day return) and Cà Mau (by air), half-day and two-day.

Default rates (Circular 40/2017/TT-BTC and the model's defaults): per diem 200,000; lodging in Hà Nội 450,000 a
night; own vehicle 0.2 l/km × 20,000 ₫/l = 4,000 ₫/km; air from 500 km, 3,000,000 one way from 1,400 km; same-day
return below 150 km; 1 travel day beyond; local below 15 km; VC 100,000 ₫ an endpoint-hour; 8 people.
"""
from dataclasses import replace
from datetime import date, datetime

import pytest

from meetings.savings.calculator import (
    Attendance,
    FareBand,
    MeetingTime,
    Rates,
    check_rates,
    default_rates,
    endpoint_savings,
    meeting_savings,
    one_way_fare,
    trip_days,
)

RATES = default_rates()
HALF_DAY = MeetingTime(datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 11, 30))  # 3.5 h
TWO_DAYS = MeetingTime(datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 2, 17, 0))  # 2 days: at most 16 VC hours


def present(distance: int, people: int = 8, code: str = "x") -> Attendance:
    return Attendance(endpoint=code, distance_km=distance, status="present", attendees=people)


def test_the_defaults_are_circular_40_and_sound():
    assert (RATES.per_diem_vnd, RATES.lodging_hanoi_vnd, RATES.lodging_city_vnd, RATES.lodging_other_vnd) == (
        200_000, 450_000, 350_000, 300_000)
    assert RATES.fuel_ml_per_km == 200 and RATES.effective_from == date(2017, 7, 1)
    assert check_rates(RATES) == []


def test_meeting_days():
    assert HALF_DAY.days == 1 and TWO_DAYS.days == 2
    assert MeetingTime(datetime(2026, 12, 1, 20), datetime(2026, 12, 2, 0, 0)).days == 1  # ends at midnight


@pytest.mark.parametrize("meeting, vc_cost", [(HALF_DAY, 350_000), (TWO_DAYS, 1_600_000)])
def test_an_endpoint_in_ha_noi_saves_nothing_and_costs_its_vc_hours(meeting, vc_cost):
    item = endpoint_savings(RATES, meeting, present(0))
    assert (item.basis, item.days, item.nights) == ("local", 0, 0)
    assert (item.travel_vnd, item.per_diem_vnd, item.lodging_vnd) == (0, 0, 0)
    assert item.vc_cost_vnd == vc_cost
    assert item.saving_vnd == -vc_cost
    assert (item.travel_km, item.travel_minutes) == (0, 0)


def test_300_km_half_day_no_same_day_return():
    item = endpoint_savings(RATES, HALF_DAY, present(300))
    assert (item.mode, item.basis, item.fare_one_way_vnd) == ("road", "own_vehicle", 1_200_000)  # 300 × 4,000
    assert (item.days, item.nights, item.same_day) == (2, 1, False)  # the day before + the meeting day
    assert item.travel_vnd == 19_200_000  # 2 × 1,200,000 × 8
    assert item.per_diem_vnd == 3_200_000  # 200,000 × 2 × 8
    assert item.lodging_vnd == 3_600_000  # 450,000 × 1 × 8
    assert item.vc_cost_vnd == 350_000  # 3.5 h × 100,000
    assert item.saving_vnd == 25_650_000
    assert item.travel_km == 4_800  # 2 × 300 × 8
    assert item.travel_minutes == 5_760  # 2 × 360 min (at 50 km/h) × 8


def test_300_km_two_day_meeting():
    item = endpoint_savings(RATES, TWO_DAYS, present(300))
    assert (item.days, item.nights) == (3, 2)
    assert (item.travel_vnd, item.per_diem_vnd, item.lodging_vnd, item.vc_cost_vnd) == (
        19_200_000, 4_800_000, 7_200_000, 1_600_000)
    assert item.saving_vnd == 29_600_000


def test_ca_mau_flies_half_day():
    item = endpoint_savings(RATES, HALF_DAY, present(1785))
    assert (item.mode, item.basis, item.band_from_km, item.fare_one_way_vnd) == ("air", "air_band", 1400, 3_000_000)
    assert (item.days, item.nights) == (2, 1)
    assert (item.travel_vnd, item.per_diem_vnd, item.lodging_vnd, item.vc_cost_vnd) == (
        48_000_000, 3_200_000, 3_600_000, 350_000)
    assert item.saving_vnd == 54_450_000
    assert item.travel_km == 28_560  # 2 × 1,785 × 8
    assert item.travel_minutes == 6_304  # 2 × (180 min of transfers + 214 min of flight) × 8


def test_ca_mau_two_day_meeting():
    item = endpoint_savings(RATES, TWO_DAYS, present(1785))
    assert (item.days, item.nights) == (3, 2)
    assert item.saving_vnd == 48_000_000 + 4_800_000 + 7_200_000 - 1_600_000


def test_same_day_return_only_below_the_distance_and_for_one_day():
    near = endpoint_savings(RATES, HALF_DAY, present(120))  # Hải Phòng
    assert (near.days, near.nights, near.same_day) == (1, 0, True)
    assert near.saving_vnd == 2 * 480_000 * 8 + 200_000 * 8 - 350_000
    near_two_days = endpoint_savings(RATES, TWO_DAYS, present(120))
    assert (near_two_days.days, near_two_days.nights, near_two_days.same_day) == (2, 1, False)
    assert trip_days(RATES, 149, 1) == (1, 0, True) and trip_days(RATES, 150, 1) == (2, 1, False)


def test_absent_and_unrecorded_endpoints_save_nothing():
    for status in ("absent", None):
        item = endpoint_savings(RATES, HALF_DAY, Attendance("x", 1785, status, 8))
        assert not item.counted and item.saving_vnd == 0 and item.vc_cost_vnd == 0 and item.attendees == 0


def test_recorded_connection_time_sets_the_vc_cost():
    item = endpoint_savings(RATES, HALF_DAY, replace(present(300), connected_seconds=5400))
    assert item.vc_seconds == 5400 and item.vc_cost_vnd == 150_000


def test_meeting_total_is_the_sum_of_its_endpoints():
    result = meeting_savings(RATES, HALF_DAY, [present(0, code="ha-noi"), present(300, code="nghe-an"),
                                               present(1785, code="ca-mau"),
                                               Attendance("absent", 820, "absent", 8)])
    assert result.total_vnd == -350_000 + 25_650_000 + 54_450_000 + 0
    assert result.travel_km == 4_800 + 28_560


def test_road_fare_bands_replace_the_own_vehicle_rule_from_their_distance():
    rates = replace(RATES, fares=RATES.fares + (FareBand("road", 200, 900_000),))
    assert one_way_fare(rates, 199).basis == "own_vehicle"
    assert (one_way_fare(rates, 250).basis, one_way_fare(rates, 250).one_way_vnd) == ("road_band", 900_000)
    assert check_rates(rates) == []


def test_unsound_rates_are_refused():
    cheaper_by_air = replace(RATES, fares=(FareBand("air", 500, 1_000_000),))  # less than driving 499 km
    assert [(p.code, p.km) for p in check_rates(cheaper_by_air)] == [("fare_decreases", 500)]
    no_air = replace(RATES, fares=(FareBand("air", 800, 3_000_000),))
    assert [p.code for p in check_rates(no_air)] == ["no_air_fare"]
    assert [p.field for p in check_rates(replace(RATES, per_diem_vnd=-1))] == ["per_diem_vnd"]
    assert [p.code for p in check_rates(replace(RATES, road_speed_kmh=0))] == ["not_positive"]
    duplicate = replace(RATES, fares=RATES.fares + (FareBand("air", 500, 2_500_000),))
    assert "duplicate_band" in [p.code for p in check_rates(duplicate)]
    unused = replace(RATES, fares=RATES.fares + (FareBand("road", 700, 3_000_000),))
    assert "road_band_unused" in [p.code for p in check_rates(unused)]


def test_rates_round_trip_through_a_dict():
    rates = replace(RATES, version=3)
    assert Rates.from_dict(rates.to_dict()) == rates
