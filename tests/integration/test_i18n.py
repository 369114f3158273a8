"""Vietnamese by default; English on request; the choice sticks to the user."""
from sqlalchemy import select

from meetings.auth.models import User
from meetings.extensions import db


def test_login_page_is_vietnamese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in html and 'lang="vi"' in html


def test_switching_to_english_is_remembered_for_the_user(auth, client):
    auth.login("booker")
    token = auth.csrf_token("/")
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/endpoints"})
    assert response.headers["Location"] == "/endpoints"
    assert "Endpoints" in client.get("/endpoints").get_data(as_text=True)
    assert db.session.scalar(select(User.locale).where(User.username == "booker")) == "en"


def test_language_switch_ignores_offsite_next(auth, client):
    token = auth.csrf_token("/login")
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}
