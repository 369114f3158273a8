"""One commit per request: a refused request leaves nothing written, an accepted one is there for every
other connection, and the audit of a refused attempt is kept although the request is rolled back.

These tests use their own database and no wrapping transaction: what they read back comes through a
fresh connection, after the request has ended.
"""
import pytest
from sqlalchemy import create_engine, func, select

from meetings import create_app
from meetings.auth.models import AuditEntry
from meetings.booking.models import Meeting
from meetings.extensions import db
from tests.conftest import DEMO_PASSWORD, Auth, build_database, make_settings, throwaway_database
from tests.factories import future_day, meeting_body


@pytest.fixture(scope="module")
def boundary_app(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("boundary"), "boundary") as url:
        app = create_app(make_settings(url))
        build_database(app)
        engine = create_engine(url)
        try:
            yield app, engine
        finally:
            engine.dispose()
            with app.app_context():
                db.engine.dispose()


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def _titles(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Meeting.title).order_by(Meeting.id)))


def _audit_actions(engine, target: str) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(AuditEntry.action).where(AuditEntry.target_id == target)
                                       .order_by(AuditEntry.id)))


def _booking_form(auth: Auth, day, title: str) -> dict:
    return {"csrf_token": auth.csrf_token("/meetings/new"), "title": title, "organizer": "Văn phòng Bộ",
            "chair": "Thứ trưởng", "agenda": "", "host": "moj-hq", "start_date": day.date().isoformat(),
            "start_time": "08:00", "end_time": "11:30", "test_minutes_before": "60", "repeat": "",
            "action": "book", "endpoints": ["thads-an-giang"]}


def test_refused_bookings_write_nothing_and_accepted_ones_persist(boundary_app, separate_connections):
    app, engine = boundary_app
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "booker", "password": DEMO_PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    auth = Auth(client)
    assert auth.login("booker").status_code == 302
    day = future_day(weeks=3)

    booked = client.post("/api/v1/meetings", json=meeting_body(day, title="Giao ban qua API"), headers=headers)
    assert booked.status_code == 201
    assert _titles(engine) == ["Giao ban qua API"]

    before = _row_counts(engine)
    refused = client.post("/api/v1/meetings", json=meeting_body(day, title="Trùng giờ qua API"), headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    assert _row_counts(engine) == before

    form = client.post("/meetings/new", data=_booking_form(auth, day, "Trùng giờ qua biểu mẫu"))
    assert form.status_code == 409
    assert _row_counts(engine) == before
    assert _titles(engine) == ["Giao ban qua API"]

    accepted = client.post("/meetings/new", data=_booking_form(auth, future_day(weeks=4), "Giao ban qua biểu mẫu"))
    assert accepted.status_code == 302
    assert _titles(engine) == ["Giao ban qua API", "Giao ban qua biểu mẫu"]
    after = _row_counts(engine)
    assert after["meetings"] == before["meetings"] + 1 and after["audit_entries"] > before["audit_entries"]


def test_refused_attempts_are_audited_although_the_request_rolls_back(boundary_app, separate_connections):
    app, engine = boundary_app
    client = app.test_client()

    response = client.post("/api/v1/auth/token", json={"username": "booker", "password": "wrong-password"})
    assert response.status_code == 401
    form = Auth(client).login("leader", password="wrong-password")
    assert form.status_code == 401
    assert _audit_actions(engine, "booker")[-1:] == ["auth.login_failed"]
    assert _audit_actions(engine, "leader")[-1:] == ["auth.login_failed"]

    token = client.post("/api/v1/auth/token", json={"username": "op-thads-an-giang", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    before = _row_counts(engine)
    assert client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=5)), headers=headers).status_code == 403
    assert _audit_actions(engine, "/api/v1/meetings")[-1:] == ["auth.denied"]
    counts = _row_counts(engine)
    assert counts["audit_entries"] == before["audit_entries"] + 1 and counts["meetings"] == before["meetings"]
