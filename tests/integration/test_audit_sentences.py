"""The audit log in words: sentences in the reader's language instead of action codes, names instead of
endpoint codes, what changed with the fields' labels and values in words, filters by person (named in words),
kind and period; the meeting page's history in the same sentences; form fields never point at a missing help."""
from __future__ import annotations

import html as html_text
import re
from datetime import timedelta

from sqlalchemy import select

from meetings.auth.models import AuditEntry, User
from meetings.core.formatting import local_today
from meetings.endpoints.services import update_endpoint
from meetings.extensions import db
from meetings.savings.models import CostRate
from tests.factories import AN_GIANG, CA_MAU, HA_NOI, book, endpoint, upcoming


def _sentences(html: str) -> list[str]:
    found = re.findall(r'data-testid="audit-sentence">(.*?)</span>', html, re.S)
    return [re.sub(r"\s+", " ", text).strip() for text in found]


def test_the_log_reads_as_sentences_in_vietnamese_and_english(auth, client):
    meeting = upcoming(starts_in=timedelta(days=5))
    db.session.flush()
    auth.login("op-thads-an-giang")
    token = auth.csrf_token("/")
    response = client.post(f"/meetings/{meeting.id}/readiness/{AN_GIANG}",
                           data={"csrf_token": token, "status": "not_ready", "note": "Mất điện", "next": "/"})
    assert response.status_code == 302
    auth.logout()
    auth.login("admin")
    response = client.get("/admin/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[-3000:]
    sentences = _sentences(html)
    assert sentences, html[html.find("<main"):][:3000]
    assert "op-thads-an-giang trả lời: Chưa sẵn sàng — Mất điện" in sentences, sentences
    assert "admin đăng nhập" in sentences
    assert "on_behalf" not in html and "auth.login</code>" not in html
    client.post("/language", data={"lang": "en", "csrf_token": auth.csrf_token("/")})
    sentences = _sentences(client.get("/admin/audit").get_data(as_text=True))
    assert "op-thads-an-giang answered: Not ready — Mất điện" in sentences, sentences


def test_a_failed_sign_in_says_why_in_words(auth, client):
    client.post("/login", data={"username": "booker", "password": "wrong", "csrf_token": auth.csrf_token()})
    auth.login("admin")
    sentences = _sentences(client.get("/admin/audit?kind=auth").get_data(as_text=True))
    assert "Đăng nhập không thành công với tên booker: sai tên đăng nhập hoặc mật khẩu" in sentences, sentences


def test_the_log_filters_by_person_kind_and_period(auth, client):
    auth.login("booker")
    auth.logout()
    auth.login("admin")
    by_person = client.get("/admin/audit?actor=booker").get_data(as_text=True)
    assert _sentences(by_person) and all(text.startswith("booker") for text in _sentences(by_person))
    by_kind = client.get("/admin/audit?kind=meeting").get_data(as_text=True)
    assert not any("đăng nhập" in text for text in _sentences(by_kind))
    past = client.get("/admin/audit?from=2001-01-01&to=2001-01-02").get_data(as_text=True)
    assert _sentences(past) == []
    # the filter shows and takes days as dd/mm/yyyy, whatever the browser's own date format
    assert _sentences(client.get("/admin/audit?from=01/01/2001&to=02/01/2001").get_data(as_text=True)) == []
    today = local_today().strftime("%d/%m/%Y")
    page = client.get(f"/admin/audit?from={today}&to={today}&actor=booker").get_data(as_text=True)
    assert _sentences(page) and f'id="from" name="from" value="{today}"' in page


def test_answers_for_an_endpoint_name_it(auth, client):
    meeting = upcoming(starts_in=timedelta(days=5))
    db.session.flush()
    auth.login("booker")
    client.post(f"/meetings/{meeting.id}/readiness/{AN_GIANG}",
                data={"csrf_token": auth.csrf_token("/"), "status": "ready", "note": "", "next": "/"})
    auth.logout()
    auth.login("admin")
    sentences = _sentences(client.get("/admin/audit?kind=readiness").get_data(as_text=True))
    assert any(endpoint(AN_GIANG).name in text and text.startswith("booker trả lời thay") for text in sentences), \
        sentences


def _pointers_resolve(html: str, where: str) -> None:
    assert 'aria-describedby="None"' not in html and 'aria-describedby=""' not in html, where
    for targets in re.findall(r'aria-describedby="([^"]+)"', html):
        for target in targets.split():
            assert f'id="{target}"' in html, (where, target)


FORM_PAGES = ["/account", "/admin/users/new", "/admin/users/{user}", "/admin/rates/new", "/admin/rates/{rate}/edit",
              "/admin/audit", "/meetings", "/meetings/new", "/meetings/{meeting}/edit", "/meetings/{meeting}/cancel",
              "/meetings/{meeting}/readiness/thads-an-giang", "/meetings/{meeting}/attendance",
              "/meetings/{meeting}/attendance/import", "/meetings/availability", "/endpoints",
              "/endpoints/thads-an-giang/edit", "/endpoints/thads-an-giang/retire", "/endpoints/reorganisation",
              "/groups/new", "/groups/all-enforcement/edit", "/govconf/invitations", "/readiness/probes", "/stats"]
REFUSED_FORMS = {"/meetings/new": {"title": ""}, "/admin/users/new": {"username": ""},
                 "/endpoints/thads-an-giang/edit": {"name": "", "distance_km": "x"},
                 "/account": {"current_password": "wrong", "new_password": "x", "confirm": "y"},
                 "/admin/rates/new": {"per_diem_vnd": "-1"}, "/groups/new": {"name": ""}}


def test_form_fields_never_point_at_a_help_text_that_is_not_there(auth, client, bearer):
    meeting = book(client, bearer("booker"))
    _pointers_resolve(client.get("/login").get_data(as_text=True), "/login")
    auth.login("admin")
    ids = {"meeting": meeting, "user": db.session.scalar(select(User.id).where(User.username == "leader")),
           "rate": db.session.scalar(select(CostRate.id))}
    for path in FORM_PAGES:
        response = client.get(path.format(**ids))
        assert response.status_code == 200, path
        _pointers_resolve(response.get_data(as_text=True), path)
    for path, data in REFUSED_FORMS.items():  # the same forms, refused, with their errors shown
        response = client.post(path, data={"csrf_token": auth.csrf_token(path), **data})
        assert response.status_code in (200, 400, 401, 422), (path, response.status_code)
        html = response.get_data(as_text=True)
        assert "invalid-feedback" in html, path
        _pointers_resolve(html, f"POST {path}")


def _details(html: str) -> list[str]:
    found = re.findall(r'<summary>[^<]*</summary>(.*?)</details>', html, re.S)
    return [html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))).strip() for text in found]


def test_what_changed_reads_in_words_not_field_codes(auth, client, bearer):
    headers = bearer("booker")
    meeting_id = book(client, headers, endpoints=[AN_GIANG, HA_NOI])
    response = client.patch(f"/api/v1/meetings/{meeting_id}", headers=headers,
                            json={"title": "Giao ban đổi tên", "bridge_to_government": True,
                                  "endpoints": [AN_GIANG, CA_MAU]})
    assert response.status_code == 200, response.get_data(as_text=True)
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    update_endpoint(endpoint(CA_MAU), {"seats": 45}, actor=admin)
    db.session.flush()
    auth.login("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    changed = " | ".join(_details(html))
    assert f"thêm: {endpoint(CA_MAU).name}" in changed and f"bớt: {endpoint(HA_NOI).name}" in changed, changed
    assert "Kết nối với hệ thống hội nghị trực tuyến của Văn phòng Chính phủ: Không → Có" in changed, changed
    assert "Số chỗ ngồi: 30 → 45" in changed and "Vĩ độ" not in changed, changed
    for code in ("bridge_to_government", "endpoints:", "seats", "['", "True", "False", AN_GIANG, CA_MAU):
        assert code not in changed, (code, changed)
    client.post("/language", data={"lang": "en", "csrf_token": auth.csrf_token("/")})
    changed = " | ".join(_details(client.get("/admin/audit").get_data(as_text=True)))
    assert "Connect to the Government Office's conference system: No → Yes" in changed, changed
    assert f"added: {endpoint(CA_MAU).name}" in changed and "Seats: 30 → 45" in changed, changed


def test_the_system_and_an_endpoints_contact_are_named_in_words(auth, client):
    db.session.add_all([
        AuditEntry(actor_name="system", action="meeting.status", target_type="meeting", target_id="1",
                   changes={"status": ["scheduled", "completed"]}),
        AuditEntry(actor_name=f"link:{AN_GIANG}", action="readiness.answer", target_type="meeting", target_id="1",
                   changes={"endpoint": AN_GIANG, "readiness": ["pending", "ready"]}),
        AuditEntry(actor_name="booker", action="mcu.dial", target_type="meeting", target_id="1", summary=AN_GIANG),
        AuditEntry(actor_name="admin", action="user.deactivate", target_type="user", target_id="leader"),
        AuditEntry(actor_name="admin", action="rates.create", target_type="cost_rate", target_id="9",
                   summary="2031-01-01", changes={"note": [None, "Thông tư 40"]}),
    ])
    db.session.flush()
    auth.login("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    sentences = _sentences(html)
    assert not any(text.startswith("system") for text in sentences), sentences
    assert f"booker gọi {endpoint(AN_GIANG).name} vào" in " | ".join(sentences), sentences
    assert "admin vô hiệu hóa người dùng leader" in sentences, sentences
    assert "admin thêm định mức chi phí có hiệu lực từ ngày 01/01/2031" in sentences, sentences
    people = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html))
    assert people[f"link:{AN_GIANG}"].endswith(endpoint(AN_GIANG).name) and people["system"] != "system", people
    assert f">link:{AN_GIANG}<" not in html and "mcu.dial" not in re.sub(r'data-action="[^"]*"', "", html)


def test_the_meeting_page_tells_its_history_in_sentences(auth, client, bearer):
    headers = bearer("booker")
    meeting_id = book(client, headers)
    client.patch(f"/api/v1/meetings/{meeting_id}", headers=headers, json={"title": "Giao ban đổi tên"})
    auth.login("booker")
    html = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    history = html[html.index('data-testid="meeting-history"'):]
    history = history[:history.index("</details>")]
    assert "booker đặt lịch" in history and "booker sửa “Giao ban đổi tên”" in history, history
    assert "<code>" not in history and "meeting.update" not in re.sub(r'data-action="[^"]*"', "", history)
