"""Cost-rate versions: seeded with Circular 40/2017/TT-BTC, edited by admins only, checked before they are used."""
from datetime import date

import pytest
from sqlalchemy import func, select

from meetings.auth.models import AuditEntry
from meetings.extensions import db
from meetings.savings.calculator import RATE_FIELDS
from meetings.savings.models import CostRate, SavingsSnapshot
from meetings.savings.rates import rate_on
from tests.factories import held_meeting


def _default() -> CostRate:
    return db.session.scalar(select(CostRate).where(CostRate.effective_from == date(2017, 7, 1)))


def _form(token: str, *, fares=(("air", 500, 2_200_000), ("air", 1000, 2_600_000), ("air", 1400, 3_000_000)),
          **changes) -> dict:
    rate = _default()
    form = {"csrf_token": token, "effective_from": "2026-01-01", "note": "Quyết định 12/QĐ-BTP",
            **{name: str(getattr(rate, name)) for name in RATE_FIELDS}}
    for index, (mode, from_km, fare) in enumerate(fares):
        form.update({f"fare-{index}-mode": mode, f"fare-{index}-from_km": str(from_km),
                     f"fare-{index}-fare_vnd": str(fare)})
    form.update({key: str(value) for key, value in changes.items()})
    return form


def test_the_seed_holds_the_circular_40_defaults_and_runs_twice(app):
    rate = _default()
    assert (rate.per_diem_vnd, rate.lodging_hanoi_vnd, rate.lodging_city_vnd, rate.lodging_other_vnd,
            rate.fuel_ml_per_km) == (200_000, 450_000, 350_000, 300_000, 200)
    assert [(f.mode, f.from_km) for f in rate.fares] == [("air", 500), ("air", 1000), ("air", 1400)]
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0 and "Cost rates: 0 added" in result.output
    assert db.session.scalar(select(func.count(CostRate.id))) == 1


@pytest.mark.parametrize("username", ["booker", "leader", "op-thads-an-giang"])
def test_only_admins_reach_the_rates(client, auth, username):
    auth.login(username)
    assert client.get("/admin/rates").status_code == 403
    assert client.get("/admin/rates/new").status_code == 403


def test_an_admin_adds_a_version_and_meetings_use_the_one_in_force_on_their_day(client, auth):
    auth.login("admin")
    page = client.get("/admin/rates").get_data(as_text=True)
    assert 'data-effective-from="2017-07-01"' in page
    token = auth.csrf_token("/admin/rates/new")
    response = client.post("/admin/rates/new", data=_form(token, per_diem_vnd=250_000,
                                                          fares=(("road", 100, 400_000), ("air", 500, 2_200_000))))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert rate_on(date(2025, 12, 31)).effective_from == date(2017, 7, 1)
    newer = rate_on(date(2026, 1, 1))
    assert (newer.effective_from, newer.per_diem_vnd, newer.note) == (date(2026, 1, 1), 250_000, "Quyết định 12/QĐ-BTP")
    assert [(f.mode, f.from_km, f.fare_vnd) for f in newer.fares] == [("air", 500, 2_200_000), ("road", 100, 400_000)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rates.create")).one()
    assert entry.summary == "2026-01-01"
    edited = client.post(f"/admin/rates/{newer.id}/edit", data=_form(token, per_diem_vnd=260_000))
    assert edited.status_code == 302 and rate_on(date(2026, 6, 1)).per_diem_vnd == 260_000
    assert [f.mode for f in rate_on(date(2026, 6, 1)).fares] == ["air", "air", "air"]
    change = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rates.update")).one()
    assert change.changes["per_diem_vnd"] == [250_000, 260_000]


@pytest.mark.parametrize("changes, where", [
    ({"fares": (("air", 500, 1_000_000),)}, "fare-problem"),  # flying 500 km would cost less than driving 499
    ({"fares": (("air", 900, 3_000_000),)}, "fare-problem"),  # no fare where air travel starts
    ({"fares": (("train", 100, 10),)}, "fare-problem"),
    ({"effective_from": "2017-07-01"}, "effective_from"),
    ({"per_diem_vnd": "-5"}, "per_diem_vnd"),
    ({"road_speed_kmh": "0"}, "road_speed_kmh"),
])
def test_unsound_rates_are_refused_with_a_message(client, auth, changes, where):
    auth.login("admin")
    token = auth.csrf_token("/admin/rates/new")
    response = client.post("/admin/rates/new", data=_form(token, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="fare-problem"' in html if where == "fare-problem" else (
        f'name="{where}"' in html and "invalid-feedback d-block" in html)
    assert db.session.scalar(select(func.count(CostRate.id))) == 1


def test_versions_can_be_deleted_but_not_the_last(client, auth, bearer):
    auth.login("admin")
    token = auth.csrf_token("/admin/rates/new")
    client.post("/admin/rates/new", data=_form(token))
    newer = rate_on(date(2026, 1, 2))
    assert client.post(f"/admin/rates/{newer.id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count(CostRate.id))) == 1
    client.post(f"/admin/rates/{_default().id}/delete", data={"csrf_token": token})
    assert db.session.scalar(select(func.count(CostRate.id))) == 1


def test_stored_savings_survive_the_deletion_of_their_version(client, auth, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-nghe-an", json={"status": "present"}, headers=headers)
    auth.login("admin")
    token = auth.csrf_token("/admin/rates/new")
    client.post("/admin/rates/new", data=_form(token, effective_from="2000-01-01"))
    client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers)
    before = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=headers).get_json()
    assert client.post(f"/admin/rates/{_default().id}/delete", data={"csrf_token": token}).status_code == 302
    after = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=headers).get_json()
    assert after["total_vnd"] == before["total_vnd"] and after["rates_effective_from"] == "2017-07-01"
    assert db.session.scalar(select(SavingsSnapshot.rate_id)) is None
    # Attendance recorded later still uses the snapshot's own copy of the deleted version.
    client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-ha-noi", json={"status": "present"}, headers=headers)
    assert client.get(f"/api/v1/meetings/{meeting.id}/savings",
                      headers=headers).get_json()["rates_effective_from"] == "2017-07-01"
