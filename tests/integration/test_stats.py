"""Statistics: the annual API's figures, access, the reorganisation, and a fixed number of statements."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.booking.models import Meeting
from meetings.endpoints.models import Endpoint
from meetings.endpoints.reorganisation import apply_province_merge
from meetings.extensions import db
from meetings.savings.models import SavingsSnapshot
from meetings.stats.demo import seed_demo_history
from meetings.stats.queries import local_midnight
from tests.factories import completed_meeting

CONTRACT = ("year", "meetings", "hours", "endpoint_connections", "attendees", "attendance_rate",
            "readiness_on_time_rate", "savings_vnd", "travel_km_avoided", "by_month", "by_organizer", "by_endpoint")


@pytest.fixture
def history(app):
    return seed_demo_history(years=range(2019, 2021))


def annual(client, headers, year, **params):
    response = client.get("/api/v1/stats/annual", query_string={"year": year, **params}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_year_2019_has_83_meetings_and_the_contract_fields(history, client, bearer):
    body = annual(client, bearer("leader"), 2019)
    assert set(CONTRACT) <= set(body)
    assert body["year"] == 2019 and body["meetings"] == 83
    assert [m["month"] for m in body["by_month"]] == list(range(1, 13))
    assert sum(m["meetings"] for m in body["by_month"]) == 83
    assert sum(m["savings_vnd"] for m in body["by_month"]) == body["savings_vnd"]
    assert sum(o["meetings"] for o in body["by_organizer"]) == 83
    assert 0 < body["readiness_on_time_rate"] < 1 and 0 < body["attendance_rate"] < 1
    assert body["previous"]["meetings"] == 0


def test_savings_equal_the_stored_snapshots_and_the_previous_year_is_beside(history, client, bearer):
    stored = db.session.scalar(select(func.sum(SavingsSnapshot.total_vnd)).join(Meeting).where(
        Meeting.start_at >= local_midnight(date(2019, 1, 1)), Meeting.start_at < local_midnight(date(2020, 1, 1))))
    first, second = annual(client, bearer("leader"), 2019), annual(client, bearer("leader"), 2020)
    assert first["savings_vnd"] == stored > 0
    assert second["previous"]["meetings"] == 83 and second["previous"]["savings_vnd"] == stored
    assert second["changes"]["meetings"]["difference"] == second["meetings"] - 83
    assert 70 <= second["meetings"] <= 110


@pytest.mark.parametrize("username", ["leader", "booker", "admin"])
def test_leaders_bookers_and_admins_see_statistics(client, bearer, username):
    assert client.get("/api/v1/stats/annual?year=2019", headers=bearer(username)).status_code == 200


def test_operators_are_refused_and_strangers_must_sign_in(client, bearer, auth):
    assert client.get("/api/v1/stats/annual?year=2019", headers=bearer("op-thads-an-giang")).status_code == 403
    assert client.get("/api/v1/stats/annual?year=2019").status_code == 401
    auth.login("op-thads-an-giang")
    for path in ("/stats", "/stats/report", "/stats/report.pdf", "/stats/export.xlsx", "/stats/figures.csv",
                 "/stats/meetings.csv"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("query", [{}, {"year": "abc"}, {"year": "2019", "kind": "spaceship"}])
def test_bad_parameters_are_422(client, bearer, query):
    response = client.get("/api/v1/stats/annual", query_string=query, headers=bearer("leader"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation"


def _guests(count: int) -> dict:
    codes = db.session.scalars(select(Endpoint.code).where(Endpoint.kind == "enforcement").order_by(Endpoint.code)
                               .limit(count))
    return {code: ("ready", "present", 8) for code in codes}


def test_readiness_attendance_and_connections_are_defined_precisely(client, bearer):
    guests = {"thads-an-giang": ("ready", "present", 8), "thads-ca-mau": ("late", "partial", 5),
              "thads-lai-chau": ("not_ready", "absent", 0), "thads-kon-tum": ("pending", "present", 6)}
    completed_meeting(datetime(2021, 3, 10), guests, hours=3)
    body = annual(client, bearer("leader"), 2021)
    assert body["meetings"] == 1 and body["hours"] == 3.0
    assert body["endpoint_connections"] == 3  # present or partial, the host left out
    assert body["attendees"] == 20 + 8 + 5 + 6  # every attending room, the host included
    assert body["attendance_rate"] == 0.75
    assert body["readiness_on_time_rate"] == 0.25  # only An Giang answered ready before the start
    assert body["savings_vnd"] == 3_000_000
    march = body["by_month"][2]
    assert march["meetings"] == 1 and march["savings_vnd"] == 3_000_000
    rows = {row["endpoint"]: row for row in body["by_endpoint"]}
    assert rows["thads-lai-chau"]["not_ready"] == 1 and rows["thads-lai-chau"]["last_not_ready_note"]
    assert "moj-hq" not in rows


def test_filters_by_organiser_and_endpoint_kind(client, bearer):
    completed_meeting(datetime(2021, 4, 6), _guests(3), organizer="Vụ Tổ chức cán bộ")
    completed_meeting(datetime(2021, 4, 7), {"tcl-dong-hoi": ("ready", "present", 10)}, organizer="Văn phòng Bộ")
    headers = bearer("leader")
    assert annual(client, headers, 2021, organizer="Vụ Tổ chức cán bộ")["meetings"] == 1
    schools = annual(client, headers, 2021, kind="law_school")
    assert schools["meetings"] == 1 and schools["endpoint_connections"] == 1 and schools["savings_vnd"] == 1_000_000


@pytest.mark.parametrize("path", ["/api/v1/stats/annual?year=2022", "/stats?year=2022"])
def test_the_number_of_statements_does_not_grow_with_the_meetings(client, auth, bearer, count_queries, path):
    headers = bearer("leader")
    auth.login("leader")
    assert client.get(path, headers=headers).status_code == 200  # the token's first use records it, once
    counts, days = [], iter(range(0, 360, 12))
    for extra in (3, 27):
        for number in range(extra):
            completed_meeting(datetime(2022, 1, 1) + timedelta(days=next(days)), _guests(5 + number % 7))
        with count_queries() as statements:
            assert client.get(path, headers=headers).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_2025_merge_counts_each_meeting_once_under_the_right_name(app, client, bearer):
    completed_meeting(datetime(2025, 3, 12), {"thads-ha-giang": ("ready", "present", 8)})
    completed_meeting(datetime(2025, 8, 12), {"thads-ha-giang": ("ready", "present", 8)})  # booked before the merge
    completed_meeting(datetime(2025, 9, 16), {"thads-tuyen-quang": ("not_ready", "absent", 0)})
    completed_meeting(datetime(2024, 5, 8), {"thads-ha-giang": ("ready", "present", 8),
                                        "thads-tuyen-quang": ("ready", "present", 8)})
    old_names = {code: db.session.scalar(select(Endpoint.name).where(Endpoint.code == code))
                 for code in ("thads-ha-giang", "thads-tuyen-quang")}
    apply_province_merge(actor=None)
    headers = bearer("leader")

    rows = {row["endpoint"]: row for row in annual(client, headers, 2025)["by_endpoint"]}
    assert rows["thads-ha-giang"]["meetings"] == 1 and rows["thads-ha-giang"]["connections"] == 1
    assert rows["thads-ha-giang"]["name"] == old_names["thads-ha-giang"]
    assert rows["thads-ha-giang"]["merged_into"] == "thads-tuyen-quang"
    assert rows["thads-tuyen-quang"]["meetings"] == 2 and rows["thads-tuyen-quang"]["connections"] == 1
    assert rows["thads-tuyen-quang"]["name"] != old_names["thads-tuyen-quang"]  # renamed on 1 July 2025
    assert sum(row["connections"] for row in rows.values()) == annual(client, headers, 2025)["endpoint_connections"]

    earlier = {row["endpoint"]: row for row in annual(client, headers, 2024)["by_endpoint"]}
    assert earlier["thads-ha-giang"]["meetings"] == 1 and earlier["thads-tuyen-quang"]["meetings"] == 1
    assert earlier["thads-tuyen-quang"]["name"] == old_names["thads-tuyen-quang"]


def test_a_hand_built_year_against_the_one_before(client, bearer):
    completed_meeting(
        datetime(2021, 3, 10),
        {
            "thads-an-giang": ("ready", "present", 8),
            "thads-ca-mau": ("late", "partial", 5),
            "thads-lai-chau": ("not_ready", "absent", 0),
        },
        hours=3,
    )
    completed_meeting(
        datetime(2022, 5, 10),
        {"thads-an-giang": ("ready", "present", 6), "thads-ca-mau": ("ready", "present", 4)},
        hours=2,
    )
    completed_meeting(datetime(2022, 11, 2), {"tcl-dong-hoi": ("ready", "partial", 10)}, hours=4,
                      saving_per_guest=2_500_000)
    body = annual(client, bearer("leader"), 2022)
    assert (body["meetings"], body["hours"], body["endpoint_connections"]) == (2, 6.0, 3)
    assert body["attendees"] == 20 + 6 + 4 + 20 + 10  # the host's 20 at each meeting
    assert body["attendance_rate"] == 1.0 and body["readiness_on_time_rate"] == 1.0
    assert body["savings_vnd"] == 2 * 1_000_000 + 2_500_000
    assert body["travel_km_avoided"] == 300
    previous = body["previous"]
    assert (previous["meetings"], previous["hours"], previous["savings_vnd"]) == (1, 3.0, 2_000_000)
    assert previous["attendance_rate"] == round(2 / 3, 4) and previous["readiness_on_time_rate"] == round(1 / 3, 4)
    changes = body["changes"]
    assert changes["meetings"] == {"difference": 1, "percent": 100.0}
    assert changes["savings_vnd"] == {"difference": 2_500_000, "percent": 125.0}
    assert changes["hours"]["difference"] == 3.0
    months = {m["month"]: m for m in body["by_month"]}
    assert months[5]["meetings"] == 1 and months[11]["savings_vnd"] == 2_500_000 and months[3]["meetings"] == 0


def test_the_annual_answer_follows_every_change_of_what_it_counts(history, client, bearer):
    """The figures are kept per version of the data: an update in place (no new row, no new time) shows too."""
    from sqlalchemy import update

    from meetings.attendance.models import ATTENDED, AttendanceRecord
    from meetings.booking.models import Participant
    from meetings.savings.models import SavingsItem

    headers = bearer("leader")
    before = annual(client, headers, 2019)
    assert annual(client, headers, 2019) == before  # the kept answer
    in_2019 = (select(Meeting.id).where(Meeting.start_at >= local_midnight(date(2019, 1, 1)),
                                        Meeting.start_at < local_midnight(date(2020, 1, 1))))
    item = db.session.scalar(select(SavingsItem).join(SavingsSnapshot)
                             .where(SavingsSnapshot.meeting_id.in_(in_2019), SavingsItem.saving_vnd > 0))
    db.session.execute(update(SavingsItem).where(SavingsItem.id == item.id)
                       .values(saving_vnd=SavingsItem.saving_vnd + 1_000_000))
    assert annual(client, headers, 2019)["savings_vnd"] == before["savings_vnd"] + 1_000_000
    record = db.session.scalar(select(AttendanceRecord).join(Participant).where(
        Participant.meeting_id.in_(in_2019), Participant.is_host.is_(False), AttendanceRecord.status.in_(ATTENDED),
        AttendanceRecord.attendees.is_not(None)))
    record.attendees += 7
    db.session.flush()
    assert annual(client, headers, 2019)["attendees"] == before["attendees"] + 7
    meeting = db.session.get(Meeting, db.session.scalar(in_2019.limit(1)))
    meeting.organizer = "Vụ Kiểm tra"
    db.session.flush()
    organizers = {row["organizer"] for row in annual(client, headers, 2019)["by_organizer"]}
    assert "Vụ Kiểm tra" in organizers


def test_the_statistics_version_follows_attendance_records_deleted_and_added_by_their_participant_alone(history):
    """The version reads attendance records by their own copy of the meeting, which a record added with only
    its participant's id gets from the participant."""
    from meetings.attendance.models import AttendanceRecord
    from meetings.booking.models import Participant
    from meetings.stats.queries import data_version

    def version() -> tuple:
        return data_version(db.session, date(2019, 1, 1), date(2020, 1, 1))

    before = version()
    record = db.session.scalar(select(AttendanceRecord).join(Participant).where(
        Participant.meeting_id.in_(select(Meeting.id).where(Meeting.start_at >= local_midnight(date(2019, 1, 1)),
                                                            Meeting.start_at < local_midnight(date(2020, 1, 1)))),
        Participant.is_host.is_(False)))
    participant_id, meeting_id, status = record.participant_id, record.meeting_id, record.status
    db.session.delete(record)
    db.session.flush()
    without = version()
    assert without != before
    again = AttendanceRecord(participant_id=participant_id, status=status, attendees=3)
    db.session.add(again)
    db.session.flush()
    assert again.meeting_id == meeting_id
    assert version() not in (before, without)
