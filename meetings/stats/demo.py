"""Demo only: a made-up history of held meetings from 2019 to yesterday, so the statistics have something to show.

Deterministic (a seeded generator per year), bulk-inserted, and idempotent: each planned meeting has a key
(`demo_meetings.demo_key`) and seeding again adds only the keys that are missing (a new day adds yesterday's).
Only past days are used, one meeting a day, never a day that already has another meeting, so that the history
neither conflicts with bookings nor moves the registry: endpoints merged later are invited only before their merge.
"""
from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Meeting, Participant
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness.models import ReadinessChange
from meetings.savings.calculator import Attendance, MeetingTime, Rates, meeting_savings
from meetings.savings.models import CostRate, SavingsItem, SavingsSnapshot
from meetings.savings.services import ITEM_FIELDS
from meetings.stats.models import DemoMeeting

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR = 2019
# Meetings planned per year; 2019's is the real network's figure (DESIGN.md §1). Later years: a plausible curve.
PLANNED = {2019: 83, 2020: 97, 2021: 108, 2022: 101, 2023: 94, 2024: 99, 2025: 88, 2026: 92}
DEFAULT_PLANNED = 90
ROMAN = ("I", "II", "III", "IV")
NOT_READY_REASONS = (
    "Đường truyền Internet không ổn định, đã báo nhà mạng",
    "Thiết bị codec hỏng, đang chờ thay thế",
    "Mất điện tại trụ sở, chưa có máy phát",
    "Phòng họp trực tuyến đang sửa chữa",
    "Micro và loa phòng họp bị lỗi",
    "Kỹ thuật viên nghỉ ốm, chưa bố trí người thay",
)
# Mountain provinces whose lines failed more often: the "most often not ready" table has a story to tell.
FRAGILE = {"thads-ha-giang", "thads-lai-chau", "thads-dien-bien", "thads-cao-bang", "thads-kon-tum", "tcl-tay-bac"}
LAWS = ("Luật Thi hành án dân sự (sửa đổi)", "Luật Hộ tịch", "Luật Trợ giúp pháp lý", "Luật Công chứng",
        "Luật Đấu giá tài sản", "Luật Xử lý vi phạm hành chính", "Luật Ban hành văn bản quy phạm pháp luật")
TRAININGS = ("kỹ năng tổ chức thi hành án", "nghiệp vụ hộ tịch", "ứng dụng công nghệ thông tin",
             "kỹ năng xác minh điều kiện thi hành án", "nghiệp vụ kế toán nghiệp vụ thi hành án",
             "kỹ năng soạn thảo văn bản")
REGIONS = {"north": "miền Bắc", "central": "miền Trung", "south": "miền Nam"}


@dataclass(frozen=True)
class Plan:
    key: str
    title: str
    organizer: str
    chair: str
    start: datetime  # aware, Hà Nội time
    end: datetime
    audience: str  # enforcement, schools, region:<name>, all, sample


def _enforcement_unit(year: int) -> str:
    return "Cục Quản lý thi hành án dân sự" if year >= 2025 else "Tổng cục Thi hành án dân sự"


def _kind_of_meeting(rng: random.Random, index: int, count: int, day: date) -> tuple[str, str, str, str, int]:
    """(title, organizer, audience, chair, hours) of the index-th meeting of the year."""
    year = day.year
    quarter = (day.month - 1) // 3
    if index == 0:
        return (f"Hội nghị trực tuyến tổng kết công tác tư pháp năm {year - 1}, triển khai nhiệm vụ năm {year}",
                "Văn phòng Bộ", "all", "Bộ trưởng", 4)
    if day.month == 7 and rng.random() < 0.3:
        return (f"Hội nghị sơ kết công tác tư pháp 6 tháng đầu năm {year}", "Văn phòng Bộ", "all", "Bộ trưởng", 4)
    roll = rng.random()
    if roll < 0.30:
        return (f"Giao ban công tác thi hành án dân sự quý {ROMAN[quarter]}/{year}", _enforcement_unit(year),
                "enforcement", "Thứ trưởng", 3)
    if roll < 0.48:
        topic = rng.choice(TRAININGS)
        return (f"Tập huấn {topic} năm {year}", "Vụ Tổ chức cán bộ", "schools", "Vụ trưởng Vụ Tổ chức cán bộ", 4)
    if roll < 0.62:
        return (f"Hội nghị trực tuyến phổ biến {rng.choice(LAWS)}", "Vụ Phổ biến, giáo dục pháp luật", "enforcement",
                "Thứ trưởng", 3)
    if roll < 0.80:
        region = rng.choice(list(REGIONS))
        return (f"Hội nghị chuyên đề thi hành án dân sự khu vực {REGIONS[region]} năm {year}",
                _enforcement_unit(year), f"region:{region}", "Phó Tổng cục trưởng" if year < 2025 else "Cục trưởng", 3)
    if roll < 0.90:
        return (f"Họp trực tuyến Ban Chỉ đạo công tác cải cách hành chính quý {ROMAN[quarter]}/{year}", "Văn phòng Bộ",
                "sample", "Thứ trưởng", 2)
    return (f"Hội nghị trực tuyến công tác pháp chế và kiểm tra văn bản quý {ROMAN[quarter]}/{year}",
            "Vụ Pháp luật dân sự – kinh tế", "sample", "Vụ trưởng", 2)


def plan_year(year: int) -> list[Plan]:
    """The year's meetings: distinct working days, drawn by a generator seeded with the year."""
    rng = random.Random(f"moj-demo-history-{year}")
    days = [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    workdays = [
        day for day in days if day.weekday() < 5 and (day.month, day.day) not in ((1, 1), (4, 30), (5, 1), (9, 2))
    ]
    count = PLANNED.get(year, DEFAULT_PLANNED)
    chosen = sorted(rng.sample(workdays[5:], count))
    plans = []
    for index, day in enumerate(chosen):
        title, organizer, audience, chair, hours = _kind_of_meeting(rng, index, count, day)
        start_hour = 8 if hours >= 4 or rng.random() < 0.6 else 14
        start = datetime.combine(day, time(start_hour, rng.choice((0, 0, 30))), ZONE)
        plans.append(
            Plan(
                f"{year}-{index + 1:03d}",
                title,
                organizer,
                chair,
                start,
                start + timedelta(hours=hours, minutes=rng.choice((0, 0, 30))),
                audience,
            )
        )
    return plans


def _eligible(endpoint: Endpoint, day: date) -> bool:
    """In service on that day: active, or retired (merged) only later."""
    return endpoint.is_active or (endpoint.retired_on is not None and day < endpoint.retired_on)


def _guests(plan: Plan, endpoints: list[Endpoint], rng: random.Random) -> list[Endpoint]:
    day = plan.start.date()
    pool = [e for e in endpoints if e.kind != "hq" and _eligible(e, day)]
    if plan.audience == "enforcement":
        return [e for e in pool if e.kind in ("enforcement", "southern_office")]
    if plan.audience == "schools":
        schools = [e for e in pool if e.kind == "law_school"]
        return schools + rng.sample([e for e in pool if e.kind == "enforcement"], 12)
    if plan.audience.startswith("region:"):
        return [e for e in pool if e.region == plan.audience.split(":")[1]]
    if plan.audience == "sample":
        return sorted(rng.sample(pool, rng.randint(8, 20)), key=lambda e: e.id)
    return pool


@dataclass
class _Rows:
    participants: list[dict[str, Any]]
    answers: list[tuple[int, str, str, datetime | None, str, bool]]  # endpoint, readiness, note, at, actor, late
    attendance: list[tuple[str, int]]  # status, headcount


def _answer(endpoint: Endpoint, plan: Plan, rng: random.Random) -> tuple[str, str, datetime | None, str, bool]:
    """(readiness, note, when, actor, on behalf) of one guest; most ready on time, some late, some not ready."""
    start = plan.start.astimezone(UTC)
    fragile = endpoint.code in FRAGILE
    roll = rng.random()
    if roll < (0.22 if fragile else 0.05):
        return (
            "not_ready",
            rng.choice(NOT_READY_REASONS),
            start - timedelta(minutes=rng.randint(30, 600)),
            f"op-{endpoint.code}",
            False,
        )
    if roll < (0.30 if fragile else 0.09):
        return "ready", "Xác nhận muộn sau giờ khai mạc", start + timedelta(minutes=rng.randint(5, 40)), "booker", True
    if roll < (0.34 if fragile else 0.12):
        return "pending", "", None, "", False
    return "ready", "", start - timedelta(minutes=rng.randint(60, 2880)), f"op-{endpoint.code}", False


def _attendance(readiness: str, expected: int, rng: random.Random) -> tuple[str, int]:
    roll = rng.random()
    if readiness == "not_ready":
        return ("absent", 0) if roll < 0.7 else ("partial", max(1, expected - 3))
    if roll < 0.05:
        return "absent", 0
    if roll < 0.12:
        return "partial", max(1, expected - rng.randint(1, 4))
    return "present", max(1, expected + rng.randint(-3, 3))


def _meeting_rows(
    plan: Plan, host: Endpoint, guests: list[Endpoint], expected: dict[str, int], rng: random.Random
) -> _Rows:
    start, end = plan.start.astimezone(UTC), plan.end.astimezone(UTC)
    rows = _Rows([], [], [])
    for endpoint in [host, *guests]:
        is_host = endpoint.id == host.id
        people = expected.get(endpoint.kind, 5)
        readiness, note, at, actor, late = (
            ("ready", "", start - timedelta(hours=2), "booker", False) if is_host else _answer(endpoint, plan, rng)
        )
        status, headcount = ("present", people + rng.randint(0, 10)) if is_host else _attendance(readiness, people, rng)
        rows.participants.append(
            {
                "endpoint_id": endpoint.id,
                "expected_attendees": people,
                "is_host": is_host,
                "busy_from": start,
                "busy_until": end + timedelta(minutes=30),
                "holds_slot": True,
                "readiness": readiness,
                "readiness_note": note,
                "readiness_updated_at": at,
                "attendance": status,
                "invited_at": start - timedelta(days=7),
            }
        )
        rows.answers.append((endpoint.id, readiness, note, at, actor, late))
        rows.attendance.append((status, headcount))
    return rows


class _RateBook:
    """The rate versions, to find the one in force on a day without a query per meeting."""

    def __init__(self) -> None:
        versions = list(
            db.session.scalars(select(CostRate).order_by(CostRate.effective_from).options(selectinload(CostRate.fares)))
        )
        self.days = [v.effective_from for v in versions]
        self.rates: list[tuple[int, Rates]] = [(v.id, v.to_rates()) for v in versions]

    def on(self, day: date) -> tuple[int, Rates] | None:
        index = bisect.bisect_right(self.days, day) - 1
        return self.rates[index] if index >= 0 else None


def _busy_days() -> set[date]:
    """Hà Nội days of meetings that are not demo history: the history keeps off them."""
    starts = db.session.scalars(select(Meeting.start_at).where(~Meeting.id.in_(select(DemoMeeting.meeting_id))))
    return {start.astimezone(ZONE).date() for start in starts}


def _wanted(today: date, years: range | None) -> list[Plan]:
    known = set(db.session.scalars(select(DemoMeeting.demo_key)))
    busy = _busy_days()
    midnight = datetime.combine(today, time.min, ZONE)
    plans = []
    for year in years or range(FIRST_YEAR, today.year + 1):
        plans += [p for p in plan_year(year) if p.key not in known and p.end <= midnight and p.start.date() not in busy]
    return plans


def seed_demo_history(
    *, today: date | None = None, years: range | None = None, expected: dict[str, int] | None = None
) -> int:
    """Add the missing demo meetings (held, with attendance, readiness and savings); returns how many."""
    today = today or datetime.now(ZONE).date()
    plans = _wanted(today, years)
    if not plans:
        return 0
    endpoints = list(db.session.scalars(select(Endpoint).order_by(Endpoint.id)))
    host = next(e for e in endpoints if e.code == current_app.config["DEFAULT_HOST"])
    expected = expected or {"hq": 20, "enforcement": 8, "law_school": 10, "southern_office": 10}
    rng = random.Random(f"moj-demo-participants-{plans[0].key}-{len(plans)}")
    meeting_ids = list(
        db.session.scalars(
            insert(Meeting).returning(Meeting.id, sort_by_parameter_order=True),
            [
                {
                    "title": p.title,
                    "agenda": "Dữ liệu mẫu (demo): lịch sử hội nghị để minh họa thống kê.",
                    "organizer": p.organizer,
                    "chair": p.chair,
                    "host_id": host.id,
                    "start_at": p.start.astimezone(UTC),
                    "end_at": p.end.astimezone(UTC),
                    "test_at": (p.start - timedelta(hours=1)).astimezone(UTC),
                    "status": "completed",
                    "bridge_to_government": False,
                    "ics_uid": f"demo-{p.key}@hoinghi.moj.gov.vn",
                    "sequence": 0,
                    "created_at": (p.start - timedelta(days=10)).astimezone(UTC),
                }
                for p in plans
            ],
        )
    )
    db.session.execute(
        insert(DemoMeeting), [{"meeting_id": m, "demo_key": p.key} for m, p in zip(meeting_ids, plans, strict=False)]
    )
    by_id = {e.id: e for e in endpoints}
    per_meeting = [_meeting_rows(p, host, _guests(p, endpoints, rng), expected, rng) for p in plans]
    participant_rows = [
        {**row, "meeting_id": meeting_id}
        for meeting_id, rows in zip(meeting_ids, per_meeting, strict=False)
        for row in rows.participants
    ]
    participant_ids = list(
        db.session.scalars(
            insert(Participant).returning(Participant.id, sort_by_parameter_order=True), participant_rows
        )
    )
    _insert_details(plans, meeting_ids, per_meeting, participant_ids, by_id)
    return len(plans)


def _insert_details(
    plans: list[Plan],
    meeting_ids: list[int],
    per_meeting: list[_Rows],
    participant_ids: list[int],
    by_id: dict[int, Endpoint],
) -> None:
    attendance, changes, snapshots, items_per_snapshot = [], [], [], []
    book, ids = _RateBook(), iter(participant_ids)
    for plan, meeting_id, rows in zip(plans, meeting_ids, per_meeting, strict=False):
        end = plan.end.astimezone(UTC)
        inputs = []
        for row, (endpoint_id, readiness, note, at, actor, late), (status, headcount) in zip(
            rows.participants, rows.answers, rows.attendance, strict=False
        ):
            attendance.append(
                {
                    "participant_id": next(ids),
                    "meeting_id": meeting_id,
                    "status": status,
                    "attendees": headcount if status != "absent" else 0,
                    "source": "manual",
                    "recorded_at": end + timedelta(minutes=20),
                }
            )
            if at is not None:
                changes.append(
                    {
                        "meeting_id": meeting_id,
                        "endpoint_id": endpoint_id,
                        "aspect": "answer",
                        "from_status": "pending",
                        "to_status": readiness,
                        "note": note,
                        "actor_name": actor,
                        "channel": "web",
                        "on_behalf": late,
                        "changed_at": at,
                    }
                )
            if not row["is_host"]:
                inputs.append(
                    (
                        endpoint_id,
                        Attendance(
                            by_id[endpoint_id].code,
                            by_id[endpoint_id].distance_km,
                            status,
                            headcount if status != "absent" else 0,
                        ),
                    )
                )
        found = book.on(plan.start.date())
        if found is None:
            continue
        rate_id, rates = found
        result = meeting_savings(rates, MeetingTime(plan.start, plan.end), [a for _e, a in inputs])
        snapshots.append(
            {
                "meeting_id": meeting_id,
                "rate_id": rate_id,
                "rates_effective_from": rates.effective_from,
                "rates": rates.to_dict(),
                "total_vnd": result.total_vnd,
                "travel_km": result.travel_km,
                "travel_minutes": result.travel_minutes,
                "reason": "completed",
                "computed_at": end,
            }
        )
        items_per_snapshot.append(
            [
                {
                    "endpoint_id": endpoint_id,
                    "attendance": item.status,
                    "attendees_source": "headcount",
                    **{name: getattr(item, name) for name in ITEM_FIELDS},
                }
                for (endpoint_id, _a), item in zip(inputs, result.items, strict=False)
            ]
        )
    db.session.execute(insert(AttendanceRecord), attendance)
    if changes:
        db.session.execute(insert(ReadinessChange), changes)
    if snapshots:
        snapshot_ids = db.session.scalars(
            insert(SavingsSnapshot).returning(SavingsSnapshot.id, sort_by_parameter_order=True), snapshots
        )
        items = [
            {**item, "snapshot_id": snapshot_id}
            for snapshot_id, rows in zip(list(snapshot_ids), items_per_snapshot, strict=False)
            for item in rows
        ]
        if items:
            db.session.execute(insert(SavingsItem), items)
    db.session.flush()
