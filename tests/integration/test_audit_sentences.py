"""The audit log in words: sentences in the reader's language instead of action codes, names instead of
endpoint codes, and filters by person, kind and period."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from meetings.extensions import db
from tests.factories import AN_GIANG, endpoint, upcoming


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


@pytest.mark.parametrize("path", ["/admin/users/new", "/meetings/new", "/endpoints/thads-an-giang/edit", "/account"])
def test_form_fields_never_point_at_a_help_text_that_is_not_there(auth, client, path):
    auth.login("admin")
    html = client.get(path).get_data(as_text=True)
    assert 'aria-describedby="None"' not in html
    for target in re.findall(r'aria-describedby="([^"]+)"', html):
        assert f'id="{target}"' in html, target
