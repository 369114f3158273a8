"""Properties of the savings model under any sound rates: a saving never falls with distance or attendees, an
absent endpoint saves nothing, and a meeting's total is the sum of its endpoints."""
from dataclasses import replace
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.savings.calculator import (
    Attendance,
    FareBand,
    MeetingTime,
    Rates,
    check_rates,
    default_rates,
    endpoint_savings,
    meeting_savings,
    own_vehicle_vnd,
)

money = st.integers(min_value=0, max_value=5_000_000)


@st.composite
def sound_rates(draw) -> Rates:
    """Rates whose fares never fall with distance: each band starts at or above the cost just below it."""
    base = replace(default_rates(), **{
        "per_diem_vnd": draw(money), "lodging_hanoi_vnd": draw(money),
        "fuel_price_vnd": draw(money.map(lambda m: m // 100)),
        "fuel_ml_per_km": draw(st.integers(0, 400)), "local_max_km": draw(st.integers(0, 50)),
        "same_day_max_km": draw(st.integers(0, 400)), "travel_days": draw(st.integers(0, 3)),
        "road_speed_kmh": draw(st.integers(10, 120)), "air_speed_kmh": draw(st.integers(100, 900)),
        "air_transfer_minutes": draw(st.integers(0, 300)), "vc_endpoint_hour_vnd": draw(money),
    }, fares=())
    air_from = draw(st.integers(base.local_max_km + 1, 3000))
    fares, current = [], 0
    road_starts = st.sets(st.integers(base.local_max_km + 1, air_from - 1), max_size=3) \
        if air_from - 1 > base.local_max_km else st.just(set())
    for start in sorted(draw(road_starts)):
        current = max(current, own_vehicle_vnd(base, start - 1) if not fares else current) + draw(money)
        fares.append(FareBand("road", start, current))
    below_air = current if fares else own_vehicle_vnd(base, air_from - 1)
    current = below_air + draw(money)
    fares.append(FareBand("air", air_from, current))
    for start in sorted(draw(st.sets(st.integers(air_from + 1, 4000), max_size=3))):
        current += draw(money)
        fares.append(FareBand("air", start, current))
    return replace(base, air_from_km=air_from, fares=tuple(fares))


@st.composite
def meetings(draw) -> MeetingTime:
    start = datetime(2026, 1, 1, 6) + timedelta(days=draw(st.integers(0, 700)), minutes=15 * draw(st.integers(0, 48)))
    return MeetingTime(start, start + timedelta(minutes=draw(st.integers(15, 3 * 24 * 60))))


distances = st.integers(min_value=0, max_value=4000)
people = st.integers(min_value=0, max_value=300)
statuses = st.sampled_from(["present", "partial"])
connected = st.one_of(st.none(), st.integers(0, 10 * 3600))


@settings(max_examples=300)
@given(sound_rates())
def test_generated_rates_are_sound(rates):
    assert check_rates(rates) == []


@settings(max_examples=300)
@given(sound_rates(), meetings(), distances, distances, people, statuses, connected)
def test_savings_never_decrease_with_distance(rates, meeting, d1, d2, n, status, seconds):
    near, far = sorted((d1, d2))
    saving = [endpoint_savings(rates, meeting, Attendance("x", d, status, n, seconds)).saving_vnd for d in (near, far)]
    assert saving[0] <= saving[1]


@settings(max_examples=300)
@given(sound_rates(), meetings(), distances, people, people, statuses, connected)
def test_savings_never_decrease_with_attendees(rates, meeting, distance, n1, n2, status, seconds):
    few, many = sorted((n1, n2))
    saving = [endpoint_savings(rates, meeting, Attendance("x", distance, status, n, seconds)).saving_vnd
              for n in (few, many)]
    assert saving[0] <= saving[1]


@given(sound_rates(), meetings(), distances, people, st.sampled_from(["absent", None]), connected)
def test_an_absent_endpoint_saves_nothing(rates, meeting, distance, n, status, seconds):
    item = endpoint_savings(rates, meeting, Attendance("x", distance, status, n, seconds))
    assert item.saving_vnd == 0 and item.travel_vnd == item.per_diem_vnd == item.lodging_vnd == item.vc_cost_vnd == 0
    assert item.travel_km == item.travel_minutes == 0


@given(sound_rates(), meetings(), st.lists(st.tuples(distances, people, st.sampled_from(["present", "partial",
                                                                                          "absent", None]), connected),
                                           max_size=30))
def test_the_total_is_the_sum_of_the_items(rates, meeting, rows):
    attendances = [Attendance(f"e{i}", d, s, n, c) for i, (d, n, s, c) in enumerate(rows)]
    result = meeting_savings(rates, meeting, attendances)
    assert result.total_vnd == sum(item.saving_vnd for item in result.items)
    assert result.travel_km == sum(item.travel_km for item in result.items)
    assert all(isinstance(item.saving_vnd, int) for item in result.items)
    for item in result.items:
        assert item.saving_vnd == item.travel_vnd + item.per_diem_vnd + item.lodging_vnd - item.vc_cost_vnd


@given(sound_rates(), meetings(), distances, people)
def test_every_figure_is_explained_by_the_rates(rates, meeting, distance, n):
    item = endpoint_savings(rates, meeting, Attendance("x", distance, "present", n))
    assert item.travel_vnd == 2 * item.fare_one_way_vnd * n
    assert item.per_diem_vnd == rates.per_diem_vnd * item.days * n
    assert item.lodging_vnd == rates.lodging_hanoi_vnd * item.nights * n
    assert item.nights == max(0, item.days - 1)


def test_a_rate_dict_keeps_its_date():
    assert Rates.from_dict(default_rates(date(2025, 1, 1)).to_dict()).effective_from == date(2025, 1, 1)
