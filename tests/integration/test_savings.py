"""A held meeting's savings: stored when it is completed (by hand or by the scheduler), untouched by later rate
changes, recomputed on request with the rates in force on the meeting's day."""
from datetime import date, timedelta

from sqlalchemy import func, select

from meetings.auth.models import AuditEntry
from meetings.booking.jobs import advance_meeting_statuses
from meetings.booking.models import Meeting
from meetings.extensions import db
from meetings.savings.calculator import RATE_FIELDS
from meetings.savings.models import CostRate, SavingsSnapshot
from tests.factories import held_meeting

# 08:00–11:30 (3.5 VC hours), default rates; Nghệ An 355 km by road, 8 people: own vehicle 2 × 1,420,000 × 8,
# 2 days (200,000 × 2 × 8), 1 night (450,000 × 8), less 350,000 of VC.
NGHE_AN = 22_720_000 + 3_200_000 + 3_600_000 - 350_000
HA_NOI = -350_000  # local: nothing to pay, the VC hours cost


def _record(client, meeting_id, headers):
    for code, body in {"thads-nghe-an": {"status": "present", "attendees": 8},
                       "thads-ha-noi": {"status": "present", "attendees": 5},
                       "thads-ca-mau": {"status": "absent"}}.items():
        response = client.put(f"/api/v1/meetings/{meeting_id}/attendance/{code}", json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)


def _savings(client, meeting_id, headers) -> dict:
    response = client.get(f"/api/v1/meetings/{meeting_id}/savings", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _completed(client, headers, **kwargs) -> Meeting:
    meeting = held_meeting(client, headers, **kwargs)
    _record(client, meeting.id, headers)
    response = client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return meeting


def test_completing_through_the_api_stores_the_savings(client, bearer):
    headers = bearer("booker")
    meeting = _completed(client, headers)
    body = _savings(client, meeting.id, headers)
    assert (body["status"], body["reason"], body["host"]) == ("stored", "completed", "moj-hq")
    assert body["rates_effective_from"] == "2017-07-01" and body["computed_by"] == "booker"
    items = {item["endpoint"]: item for item in body["items"]}
    assert set(items) == {"thads-ha-noi", "thads-nghe-an", "thads-ca-mau", "thads-an-giang"}  # the host left out
    nghe_an = items["thads-nghe-an"]
    assert (nghe_an["distance_km"], nghe_an["attendees"], nghe_an["days"], nghe_an["nights"], nghe_an["mode"]) == (
        355, 8, 2, 1, "road")
    assert (nghe_an["travel_vnd"], nghe_an["per_diem_vnd"], nghe_an["lodging_vnd"], nghe_an["vc_cost_vnd"]) == (
        22_720_000, 3_200_000, 3_600_000, 350_000)
    assert nghe_an["saving_vnd"] == NGHE_AN
    assert items["thads-ha-noi"]["saving_vnd"] == HA_NOI
    assert items["thads-ca-mau"]["saving_vnd"] == 0 and items["thads-an-giang"]["saving_vnd"] == 0
    assert body["total_vnd"] == NGHE_AN + HA_NOI == sum(item["saving_vnd"] for item in body["items"])
    assert all(isinstance(item[key], int) for item in body["items"] for key in item if key.endswith("_vnd"))
    assert body["travel_km_avoided"] == 2 * 355 * 8 and body["travel_hours_avoided"] == round(2 * 426 * 8 / 60, 1)
    assert body["counts"] == {"present": 2, "partial": 0, "absent": 1, "not_recorded": 1}
    assert db.session.scalar(select(func.count(SavingsSnapshot.id))) == 1
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "savings.store")).all()


def test_the_scheduler_completing_a_meeting_stores_its_savings_too(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    _record(client, meeting.id, headers)
    assert advance_meeting_statuses(meeting.end_at + timedelta(minutes=1)) >= 1
    snapshot = db.session.scalar(select(SavingsSnapshot).where(SavingsSnapshot.meeting_id == meeting.id))
    assert snapshot is not None and snapshot.reason == "completed" and snapshot.computed_by_id is None
    assert snapshot.total_vnd == NGHE_AN + HA_NOI
    assert _savings(client, meeting.id, headers)["status"] == "stored"


def test_before_it_is_held_the_savings_are_an_estimate(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    _record(client, meeting.id, headers)
    body = _savings(client, meeting.id, headers)
    assert body["status"] == "estimate" and body["total_vnd"] == NGHE_AN + HA_NOI
    assert db.session.scalar(select(func.count(SavingsSnapshot.id))) == 0


def _rate_form(rate: CostRate, token: str, **changes) -> dict:
    form = {"csrf_token": token, "effective_from": rate.effective_from.isoformat(), "note": rate.note,
            **{name: str(getattr(rate, name)) for name in RATE_FIELDS}}
    for index, fare in enumerate(rate.fares):
        form.update({f"fare-{index}-mode": fare.mode, f"fare-{index}-from_km": str(fare.from_km),
                     f"fare-{index}-fare_vnd": str(fare.fare_vnd)})
    form.update({key: str(value) for key, value in changes.items()})
    return form


def test_rate_changes_leave_stored_savings_alone_and_recomputing_uses_the_meetings_day(client, auth, bearer):
    headers = bearer("booker")
    meeting = _completed(client, headers)
    stored = _savings(client, meeting.id, headers)["total_vnd"]
    auth.login("admin")
    version = db.session.scalar(select(CostRate).where(CostRate.effective_from == date(2017, 7, 1)))
    token = auth.csrf_token("/admin/rates/new")

    # Correct the version in force on the meeting's day, and add one from today with far higher rates.
    edited = client.post(f"/admin/rates/{version.id}/edit", data=_rate_form(version, token, per_diem_vnd=300_000))
    assert edited.status_code == 302, edited.get_data(as_text=True)
    added = client.post("/admin/rates/new", data=_rate_form(version, token, effective_from=date.today().isoformat(),
                                                            per_diem_vnd=999_000, lodging_hanoi_vnd=2_000_000))
    assert added.status_code == 302, added.get_data(as_text=True)
    assert _savings(client, meeting.id, headers)["total_vnd"] == stored  # the snapshot is untouched

    # Recomputing takes the rates in force on the meeting's day (10 days ago), not today's.
    assert client.post(f"/meetings/{meeting.id}/savings/recompute", data={"csrf_token": token}).status_code == 302
    body = _savings(client, meeting.id, headers)
    assert body["reason"] == "recomputed" and body["rates_effective_from"] == "2017-07-01"
    assert body["total_vnd"] == stored + 100_000 * 2 * 8  # 2 days of 8 people at the corrected per diem
    assert body["rates"]["per_diem_vnd"] == 300_000
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "savings.recompute")).one()
    assert entry.changes["total_vnd"] == [stored, body["total_vnd"]]


def test_only_admins_recompute(client, auth, bearer):
    meeting = _completed(client, bearer("booker"))
    auth.login("booker")
    token = auth.csrf_token(f"/meetings/{meeting.id}/savings")
    assert client.post(f"/meetings/{meeting.id}/savings/recompute", data={"csrf_token": token}).status_code == 403


def test_recomputing_from_the_command_line(app, client, bearer):
    meeting = _completed(client, bearer("booker"))
    result = app.test_cli_runner().invoke(args=["savings", "recompute", str(meeting.id)])
    assert result.exit_code == 0, result.output
    assert f"{NGHE_AN + HA_NOI} VND" in result.output and "2017-07-01" in result.output
    refused = app.test_cli_runner().invoke(args=["savings", "recompute", str(held_meeting(
        client, bearer("booker"), days_ago=20).id)])
    assert refused.exit_code != 0


def test_attendance_recorded_after_completion_updates_the_snapshot_with_its_own_rates(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers)
    assert _savings(client, meeting.id, headers)["total_vnd"] == 0  # nothing recorded yet
    version = db.session.scalar(select(CostRate).where(CostRate.effective_from == date(2017, 7, 1)))
    version.per_diem_vnd = 1_000_000  # a later correction of the rates...
    db.session.commit()
    _record(client, meeting.id, headers)
    body = _savings(client, meeting.id, headers)
    assert (body["status"], body["reason"]) == ("stored", "attendance")
    assert body["total_vnd"] == NGHE_AN + HA_NOI  # ... is not applied: the snapshot keeps its rates
    assert body["rates"]["per_diem_vnd"] == 200_000


def test_operators_see_only_their_meetings_savings(client, bearer):
    meeting = _completed(client, bearer("booker"))
    assert client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=bearer("op-thads-nghe-an")).status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=bearer("op-thads-hue")).status_code == 403
    assert client.get("/api/v1/meetings/999999/savings", headers=bearer("leader")).status_code == 404


def test_without_rates_in_force_the_api_says_so(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    db.session.execute(CostRate.__table__.delete())
    db.session.commit()
    response = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_rates"
    assert client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers).status_code == 200  # still held
