"""Admins correct, retire and merge endpoints; the 2025 reorganisation; the registry pages."""
from datetime import date

from sqlalchemy import select

from meetings.auth.models import AuditEntry, User
from meetings.endpoints import services
from meetings.endpoints.models import Endpoint
from meetings.endpoints.reorganisation import apply_province_merge
from meetings.extensions import db


def _endpoint(code):
    return db.session.scalar(select(Endpoint).where(Endpoint.code == code))


def _admin():
    return db.session.scalar(select(User).where(User.username == "admin"))


def test_registry_page_lists_70_endpoints_in_vietnamese(auth, client):
    auth.login("booker")
    html = client.get("/endpoints?status=all").get_data(as_text=True)
    assert "70 điểm cầu" in html
    assert "Cục Thi hành án dân sự tỉnh An Giang" in html


def test_search_ignores_accents(auth, client):
    auth.login("booker")
    html = client.get("/endpoints?q=an+giang").get_data(as_text=True)
    assert "1 điểm cầu" in html and "thads-an-giang" in html


def test_registry_page_costs_a_constant_number_of_queries(auth, client, count_queries):
    auth.login("booker")
    with count_queries() as statements:
        client.get("/endpoints")
    assert len(statements) <= 6


def test_admin_corrects_distance_contact_and_dial_string(auth, client):
    auth.login("admin")
    token = auth.csrf_token("/endpoints/thads-an-giang/edit")
    response = client.post("/endpoints/thads-an-giang/edit", data={
        "csrf_token": token, "name": "Cục Thi hành án dân sự tỉnh An Giang", "province": "An Giang",
        "city": "Long Xuyên", "distance_km": "1720", "seats": "35", "contact_name": "Lê Văn C",
        "contact_email": "thads.angiang@example.vn", "contact_phone": "0296 123 456",
        "dial_string": "sip:angiang@vc.moj.gov.vn", "latitude": "10.38", "longitude": "105.43", "notes": ""})
    assert response.status_code == 302
    endpoint = _endpoint("thads-an-giang")
    assert (endpoint.distance_km, endpoint.contact_name, endpoint.dial_string) == (
        1720,
        "Lê Văn C",
        "sip:angiang@vc.moj.gov.vn",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "endpoint.update"))
    assert entry.changes["distance_km"][1] == 1720


def test_invalid_correction_keeps_input_and_changes_nothing(auth, client):
    auth.login("admin")
    before = _endpoint("thads-an-giang").distance_km
    token = auth.csrf_token("/endpoints/thads-an-giang/edit")
    response = client.post(
        "/endpoints/thads-an-giang/edit",
        data={
            "csrf_token": token,
            "name": "Cục THADS An Giang (sửa)",
            "distance_km": "-5",
            "contact_email": "not-an-email",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Cục THADS An Giang (sửa)" in html
    assert _endpoint("thads-an-giang").distance_km == before
    assert _endpoint("thads-an-giang").name == "Cục Thi hành án dân sự tỉnh An Giang"


def test_renaming_keeps_the_old_name_for_past_meetings(db_session):
    school = _endpoint("tcl-thai-nguyen")
    services.update_endpoint(
        school, {"name": "Trường Cao đẳng Luật miền Bắc"}, actor=_admin(), name_changed_on=date(2020, 9, 1)
    )
    assert school.name_on(date(2019, 5, 1)) == "Trường Trung cấp Luật Thái Nguyên"
    assert school.name_on(date(2021, 1, 1)) == "Trường Cao đẳng Luật miền Bắc"


def test_merge_through_the_admin_page(auth, client):
    auth.login("admin")
    token = auth.csrf_token("/endpoints/thads-kien-giang/retire")
    response = client.post(
        "/endpoints/thads-kien-giang/retire",
        data={
            "csrf_token": token,
            "action": "merge",
            "merge-successor": "thads-an-giang",
            "merge-on": "2025-07-01",
            "merge-reason": "NQ 202/2025/QH15",
        },
    )
    assert response.status_code == 302
    merged = _endpoint("thads-kien-giang")
    assert merged.successor.code == "thads-an-giang" and merged.retired_on == date(2025, 7, 1)
    assert merged.name == "Cục Thi hành án dân sự tỉnh Kiên Giang"
    assert merged.is_active is False


def test_merged_endpoint_leaves_groups_and_booking_choices_but_keeps_its_history(db_session):
    admin = _admin()
    custom = services.create_group(
        name="mekong",
        label_vi="Đồng bằng sông Cửu Long",
        member_codes=["thads-kien-giang", "thads-ca-mau"],
        actor=admin,
    )
    services.merge_endpoint(
        _endpoint("thads-kien-giang"), _endpoint("thads-an-giang"), on=date(2025, 7, 1), actor=admin
    )
    db.session.flush()
    assert sorted(e.code for e in services.group_members_of(custom)) == ["thads-an-giang", "thads-ca-mau"]
    enforcement = services.group_members_of(services.get_group("all-enforcement"))
    assert "thads-kien-giang" not in [e.code for e in enforcement] and len(enforcement) == 62
    choices = services.search_endpoints(services.EndpointFilter())  # what a booking form offers
    assert "thads-kien-giang" not in [e.code for e in choices]
    kept = services.get_endpoint("thads-kien-giang")
    assert kept.name_on(date(2024, 1, 1)) == "Cục Thi hành án dân sự tỉnh Kiên Giang"


def test_merge_refuses_nonsense(db_session):
    admin = _admin()
    import pytest

    from meetings.errors import ValidationError

    with pytest.raises(ValidationError):
        services.merge_endpoint(
            _endpoint("thads-an-giang"), _endpoint("thads-an-giang"), on=date(2025, 7, 1), actor=admin
        )
    with pytest.raises(ValidationError):
        services.merge_endpoint(_endpoint("moj-hq"), _endpoint("thads-ha-noi"), on=date(2025, 7, 1), actor=admin)


def test_province_reorganisation_gives_34_departments_and_runs_once(db_session):
    report = apply_province_merge(actor=_admin())
    assert len(report.merged) == 29
    active = services.group_members_of(services.get_group("all-enforcement"))
    assert len(active) == 34
    tuyen_quang = _endpoint("thads-tuyen-quang")
    assert tuyen_quang.name == "Thi hành án dân sự tỉnh Tuyên Quang"
    assert tuyen_quang.name_on(date(2025, 6, 30)) == "Cục Thi hành án dân sự tỉnh Tuyên Quang"
    assert _endpoint("thads-ha-giang").successor.code == "thads-tuyen-quang"
    assert _endpoint("tcl-dong-hoi").province == "Quảng Trị"
    assert _endpoint("tcl-dong-hoi").name == "Trường Trung cấp Luật Đồng Hới"
    again = apply_province_merge(actor=_admin())
    assert again.already_done and again.merged == []


def test_reorganisation_page_applies_it(auth, client):
    auth.login("admin")
    token = auth.csrf_token("/endpoints/reorganisation")
    assert client.post("/endpoints/reorganisation", data={"csrf_token": token}).status_code == 302
    html = client.get("/endpoints").get_data(as_text=True)
    assert "41 điểm cầu" in html  # 34 departments, 5 schools, headquarters, southern office


def test_retire_and_reactivate(db_session):
    admin = _admin()
    school = _endpoint("tcl-tay-bac")
    services.retire_endpoint(school, on=date(2026, 1, 1), actor=admin)
    assert "tcl-tay-bac" not in [e.code for e in services.group_members_of(services.get_group("law-schools"))]
    services.reactivate_endpoint(school, actor=admin)
    assert school.is_active and school.retired_on is None


def test_admin_defines_a_group_through_the_form(auth, client):
    auth.login("admin")
    token = auth.csrf_token("/groups/new")
    response = client.post(
        "/groups/new",
        data={
            "csrf_token": token,
            "name": "tay-nguyen",
            "label_vi": "Tây Nguyên",
            "label_en": "Central Highlands",
            "members": ["thads-gia-lai", "thads-dak-lak", "thads-kon-tum"],
        },
    )
    assert response.status_code == 302
    html = client.get("/groups/tay-nguyen").get_data(as_text=True)
    assert "Tây Nguyên" in html and "thads-kon-tum" in html


def test_system_groups_cannot_be_deleted(db_session):
    import pytest

    from meetings.errors import ValidationError

    with pytest.raises(ValidationError):
        services.delete_group(services.get_group("all-enforcement"), actor=_admin())


def test_endpoint_page_shows_details(auth, client):
    auth.login("op-thads-an-giang")
    html = client.get("/endpoints/thads-an-giang").get_data(as_text=True)
    assert "Cục Thi hành án dân sự tỉnh An Giang" in html and "/endpoints/thads-an-giang/edit" not in html


def test_operator_sees_own_feed_address_but_not_others(auth, client):
    auth.login("op-thads-an-giang")
    own = client.get("/endpoints/thads-an-giang").get_data(as_text=True)
    token = _endpoint("thads-an-giang").calendar_token
    assert f"/calendar/thads-an-giang.ics?token={token}" in own
    other = client.get("/endpoints/thads-ca-mau").get_data(as_text=True)
    assert _endpoint("thads-ca-mau").calendar_token not in other


def test_admin_rotates_the_feed_secret(auth, client):
    old = _endpoint("thads-an-giang").calendar_token
    assert client.get(f"/calendar/thads-an-giang.ics?token={old}").status_code == 200
    auth.login("admin")
    token = auth.csrf_token("/endpoints/thads-an-giang")
    assert client.post("/endpoints/thads-an-giang/calendar-token", data={"csrf_token": token}).status_code == 302
    assert _endpoint("thads-an-giang").calendar_token != old
    assert client.get(f"/calendar/thads-an-giang.ics?token={old}").status_code == 404
