"""Signing in, sessions that end, bearer tokens, user administration, and their audit."""
import re

from sqlalchemy import select

from meetings.auth import services
from meetings.auth.models import ApiToken, AuditEntry, User, UserSession
from meetings.extensions import db
from tests.conftest import Auth


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def test_login_then_home_page_greets_in_vietnamese(auth, client):
    assert auth.login("booker").status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Đăng xuất" in html and 'lang="vi"' in html


def test_wrong_password_says_so_and_is_audited(auth):
    response = auth.login("booker", "not-the-password")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login_failed"))
    assert entry.target_id == "booker"


def test_logout_ends_the_session_even_if_the_cookie_is_replayed(app, auth, client):
    auth.login("booker")
    cookie = client.get_cookie("session").value
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/endpoints").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, auth, client):
    other = Auth(app.test_client())
    other.login("leader")
    auth.login("leader")
    token = auth.csrf_token("/account")
    response = client.post("/account", data={"csrf_token": token, "current_password": "demo12345",
                                             "new_password": "a-new-passphrase", "confirm": "a-new-passphrase"})
    assert response.status_code == 302
    assert client.get("/endpoints").status_code == 200
    assert other.client.get("/endpoints").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(auth, client):
    auth.login("leader")
    token = auth.csrf_token("/account")
    response = client.post("/account", data={"csrf_token": token, "current_password": "wrong",
                                             "new_password": "a-new-passphrase", "confirm": "a-new-passphrase"})
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("leader").status_code == 302


def test_deactivation_ends_sessions_and_tokens(app, auth, client, bearer):
    operator = Auth(app.test_client())
    operator.login("op-thads-an-giang")
    headers = bearer("op-thads-an-giang")
    auth.login("admin")
    user = _user("op-thads-an-giang")
    response = client.post(f"/admin/users/{user.id}/active", data={"csrf_token": auth.csrf_token("/"), "active": "0"})
    assert response.status_code == 302
    assert operator.client.get("/endpoints").status_code == 302
    assert client.get("/api/v1/endpoints").status_code == 200  # the admin's own session still works
    assert client.get("/api/v1/endpoints", headers=headers).status_code == 401  # a dead token never falls back
    assert app.test_client().get("/api/v1/endpoints", headers=headers).status_code == 401
    assert operator.login("op-thads-an-giang").status_code == 401


def test_token_endpoint_answers_the_contract(client):
    response = client.post("/api/v1/auth/token", json={"username": "op-thads-an-giang", "password": "demo12345"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("mm_")
    assert body["user"] == {"username": "op-thads-an-giang", "role": "operator", "endpoint": "thads-an-giang",
                            "full_name": body["user"]["full_name"]}
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert body["token"] not in stored  # only the hash is kept


def test_token_endpoint_errors(client):
    assert client.post("/api/v1/auth/token", data="not json", content_type="application/json").status_code == 400
    missing = client.post("/api/v1/auth/token", json={"username": "booker"})
    assert missing.status_code == 422 and "password" in missing.get_json()["error"]["fields"]
    wrong = client.post("/api/v1/auth/token", json={"username": "booker", "password": "x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_credentials"


def test_expired_or_revoked_token_is_refused(client, bearer):
    headers = bearer("booker")
    token = db.session.scalars(select(ApiToken)).one()
    services.revoke_token(token.id, actor=_user("admin"))
    db.session.commit()
    assert client.get("/api/v1/endpoints", headers=headers).status_code == 401


def test_english_error_message_when_asked(client):
    response = client.get("/api/v1/endpoints", headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == "Please sign in."


def test_admin_creates_an_operator_through_the_form(auth, client):
    auth.login("admin")
    token = auth.csrf_token("/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "ky-thuat-ag", "full_name": "Nguyễn Văn A", "email": "a@example.vn",
        "role": "operator", "endpoint": "thads-an-giang", "password": "strong-pass-1"})
    assert response.status_code == 302
    user = _user("ky-thuat-ag")
    assert user.role == "operator" and user.endpoint.code == "thads-an-giang"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create")).actor_name == "admin"


def test_admin_form_rejects_operator_without_endpoint_and_keeps_input(auth, client):
    auth.login("admin")
    token = auth.csrf_token("/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "nobody-op", "full_name": "Trần Thị B", "role": "operator",
        "endpoint": "", "password": "strong-pass-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Trần Thị B" in html and "nobody-op" in html
    assert _user("nobody-op") is None


def test_admin_issues_a_token_shown_once(auth, client):
    auth.login("admin")
    booker = _user("booker")
    token = auth.csrf_token(f"/admin/users/{booker.id}")
    client.post(f"/admin/users/{booker.id}/tokens", data={"csrf_token": token, "name": "báo cáo", "days": "30"})
    page = client.get(f"/admin/users/{booker.id}").get_data(as_text=True)
    value = re.search(r'data-testid="new-token">(mm_[^<]+)<', page).group(1)
    assert client.get("/api/v1/groups", headers={"Authorization": f"Bearer {value}"}).status_code == 200
    assert "mm_" + value[3:] not in client.get(f"/admin/users/{booker.id}").get_data(as_text=True)


def test_changing_role_ends_the_users_sessions(app, auth, client):
    leader = Auth(app.test_client())
    leader.login("leader")
    auth.login("admin")
    user = _user("leader")
    token = auth.csrf_token(f"/admin/users/{user.id}")
    client.post(f"/admin/users/{user.id}", data={"csrf_token": token, "username": "leader", "role": "booker",
                                                 "full_name": "x", "email": "", "endpoint": ""})
    assert _user("leader").role == "booker"
    assert leader.client.get("/endpoints").status_code == 302


def test_sessions_are_stored_hashed(auth, client):
    auth.login("booker")
    cookie_session = db.session.scalars(select(UserSession)).one()
    assert len(cookie_session.token_hash) == 64


def test_audit_page_lists_logins(auth, client):
    auth.login("admin")
    html = client.get("/admin/audit?action=auth.login").get_data(as_text=True)
    assert "auth.login" in html and "admin" in html
