"""The iCalendar builders, read back by two independent parsers (icalendar and vobject)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import vobject

import meetings.auth.models  # noqa: F401  (the meeting's relationships name User)
from meetings.booking.ics import endpoint_feed, meeting_calendar
from meetings.booking.models import Meeting, Participant
from meetings.endpoints.models import Endpoint

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ORGANIZER = "hoinghi@moj.gov.vn"
LONG_TITLE = ("Hội nghị trực tuyến toàn quốc tổng kết công tác thi hành án dân sự, theo dõi thi hành án hành chính "
              "năm 2026 và triển khai nhiệm vụ trọng tâm năm 2027")


def _endpoint(code: str, name: str, email: str = "") -> Endpoint:
    return Endpoint(code=code, name=name, kind="enforcement", contact_email=email)


HQ = _endpoint("moj-hq", "Bộ Tư pháp – điểm cầu chính (60 Trần Phú, Ba Đình, Hà Nội)", "cntt@moj.gov.vn")
AN_GIANG = _endpoint("thads-an-giang", "Cục Thi hành án dân sự tỉnh An Giang", "thads@angiang.gov.vn")
DAK_LAK = _endpoint("thads-dak-lak", "Cục Thi hành án dân sự tỉnh Đắk Lắk")  # no contact e-mail


def _meeting(status: str = "scheduled", sequence: int = 0, **fields) -> Meeting:
    start = datetime(2026, 12, 15, 1, 30, tzinfo=UTC)  # 08:30 in Hà Nội
    values = dict(id=7, title=LONG_TITLE, agenda="1. Báo cáo tổng kết;\n2. Ý kiến chỉ đạo, kết luận của Bộ trưởng",
                  organizer="Tổng cục Thi hành án dân sự", chair="Bộ trưởng Nguyễn Hải Ninh", host=HQ,
                  start_at=start, end_at=start + timedelta(hours=3), test_at=start - timedelta(hours=1),
                  status=status, ics_uid="4f1c-77@hoinghi.moj.gov.vn", sequence=sequence,
                  created_at=start - timedelta(days=10), updated_at=start - timedelta(days=2), cancel_reason="")
    values.update(fields)
    meeting = Meeting(**values)
    meeting.participants = [Participant(endpoint=endpoint, is_host=endpoint is HQ)
                            for endpoint in (HQ, AN_GIANG, DAK_LAK)]
    return meeting


def _both(data: bytes):
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


def test_an_invitation_is_a_request_with_every_field():
    data = meeting_calendar(_meeting(sequence=2), organizer_email=ORGANIZER)
    calendar, vcal = _both(data)
    assert calendar["METHOD"] == "REQUEST" and vcal.method.value == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == "4f1c-77@hoinghi.moj.gov.vn" and event["SEQUENCE"] == 2
    assert event["SUMMARY"] == LONG_TITLE and event["STATUS"] == "CONFIRMED"
    assert event["LOCATION"] == HQ.name and "DTSTAMP" in event
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 12, 15, 8, 30, tzinfo=ZONE) and str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert event.decoded("DTEND") == datetime(2026, 12, 15, 11, 30, tzinfo=ZONE)
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Asia/Ho_Chi_Minh"
    assert [part.decoded("TZOFFSETTO") for part in zone.walk("STANDARD")] == [timedelta(hours=7)]
    assert vcal.vevent.dtstart.value == datetime(2026, 12, 15, 8, 30, tzinfo=ZONE)
    assert vcal.vevent.dtstart.value.utcoffset() == timedelta(hours=7)
    assert vcal.vevent.summary.value == LONG_TITLE and vcal.vevent.sequence.value == "2"


def test_the_description_holds_agenda_organiser_chair_host_and_test_time():
    calendar, vcal = _both(meeting_calendar(_meeting(), organizer_email=ORGANIZER))
    description = str(calendar.walk("VEVENT")[0]["DESCRIPTION"])
    assert description == vcal.vevent.description.value
    for text in ("1. Báo cáo tổng kết;\n2. Ý kiến chỉ đạo, kết luận của Bộ trưởng",
                 "Đơn vị chủ trì: Tổng cục Thi hành án dân sự", "Chủ trì: Bộ trưởng Nguyễn Hải Ninh",
                 f"Điểm cầu chính: {HQ.name}", "Kiểm tra kỹ thuật: 15/12/2026 07:30"):
        assert text in description


def test_organizer_and_one_attendee_per_endpoint_with_an_email():
    calendar, vcal = _both(meeting_calendar(_meeting(), organizer_email=ORGANIZER))
    event = calendar.walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:hoinghi@moj.gov.vn"
    assert event["ORGANIZER"].params["CN"] == "Tổng cục Thi hành án dân sự"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:cntt@moj.gov.vn", "mailto:thads@angiang.gov.vn"]
    an_giang = attendees[1].params
    assert (an_giang["CN"], an_giang["ROLE"], an_giang["PARTSTAT"], an_giang["RSVP"]) == (
        AN_GIANG.name, "REQ-PARTICIPANT", "NEEDS-ACTION", "FALSE")
    parsed = {a.value: a.params for a in vcal.vevent.attendee_list}
    assert parsed["mailto:thads@angiang.gov.vn"]["CN"] == [AN_GIANG.name]
    assert vcal.vevent.organizer.value == "mailto:hoinghi@moj.gov.vn"


def test_a_cancelled_meeting_gives_method_cancel():
    meeting = _meeting(status="cancelled", sequence=3, cancel_reason="Trùng lịch họp Chính phủ")
    calendar, vcal = _both(meeting_calendar(meeting, organizer_email=ORGANIZER))
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "CANCEL" and vcal.method.value == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and vcal.vevent.status.value == "CANCELLED"
    assert event["UID"] == "4f1c-77@hoinghi.moj.gov.vn" and event["SEQUENCE"] == 3
    assert "Lý do hủy: Trùng lịch họp Chính phủ" in str(event["DESCRIPTION"])


def test_removed_endpoints_get_a_cancel_addressed_to_them_alone():
    calendar, _ = _both(meeting_calendar(_meeting(), organizer_email=ORGANIZER, removed=[AN_GIANG]))
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:thads@angiang.gov.vn"


def test_an_endpoint_feed_publishes_each_meeting():
    held = _meeting()
    cancelled = _meeting(id=8, ics_uid="second@hoinghi.moj.gov.vn", status="cancelled", title="Giao ban quý IV")
    data = endpoint_feed(AN_GIANG, [held, cancelled], organizer_email=ORGANIZER)
    calendar, vcal = _both(data)
    assert calendar["METHOD"] == "PUBLISH" and vcal.method.value == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Hội nghị trực tuyến – Cục Thi hành án dân sự tỉnh An Giang"
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert events["4f1c-77@hoinghi.moj.gov.vn"]["STATUS"] == "CONFIRMED"
    assert events["second@hoinghi.moj.gov.vn"]["STATUS"] == "CANCELLED"
    assert all("ATTENDEE" not in event for event in events.values())
    assert sorted(event.uid.value for event in vcal.vevent_list) == sorted(events)
    assert {event.summary.value for event in vcal.vevent_list} == {LONG_TITLE, "Giao ban quý IV"}


def test_an_empty_feed_is_still_a_valid_calendar():
    calendar, vcal = _both(endpoint_feed(DAK_LAK, []))
    assert calendar.walk("VEVENT") == [] and vcal.method.value == "PUBLISH"


def test_lines_are_folded_without_breaking_vietnamese_characters():
    data = meeting_calendar(_meeting(), organizer_email=ORGANIZER)
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # raises if a fold split a Vietnamese character
