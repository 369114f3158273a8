"""Every route has an explicit rule; operators stay out of admin pages; CSRF, rate limit, safe redirects."""
import re

import pytest

from meetings.auth.access import STATIC_ENDPOINTS
from meetings.auth.models import AuditEntry
from meetings.extensions import db

ADMIN_PAGES = [
    "/admin/users", "/admin/users/new", "/admin/users/1", "/admin/audit", "/endpoints/thads-an-giang/edit",
    "/endpoints/thads-an-giang/retire", "/endpoints/reorganisation", "/groups/new", "/admin/mail",
]
ADMIN_POSTS = [
    "/admin/users/1/password", "/admin/users/1/active", "/admin/users/1/tokens", "/admin/tokens/1/revoke",
    "/endpoints/thads-an-giang/reactivate", "/groups/region-north/delete", "/endpoints/thads-an-giang/calendar-token",
]


def test_every_route_declares_an_access_rule(app):
    missing = [
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint not in STATIC_ENDPOINTS and not hasattr(app.view_functions[rule.endpoint], "access_rule")
    ]
    assert missing == []


def test_only_login_health_language_and_api_document_are_public(app):
    public = sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint not in STATIC_ENDPOINTS and app.view_functions[rule.endpoint].access_rule.public
    )
    # The calendar feed is public but answers only with the endpoint's secret token; the readiness link
    # (/r/<token>) only with a signed token; the MCU's call records (/mcu/cdr/<token>) only with its secret.
    assert public == ["/api/v1/auth/token", "/api/v1/openapi.json", "/calendar/<code>.ics", "/healthz",
                      "/language", "/login", "/mcu/cdr/<token>", "/r/<token>"]


def test_anonymous_pages_redirect_to_login_and_api_answers_401(client):
    response = client.get("/endpoints")
    assert response.status_code == 302 and "/login?next=/endpoints" in response.headers["Location"]
    api = client.get("/api/v1/endpoints")
    assert api.status_code == 401
    assert api.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_operator_is_refused_every_admin_page(auth, client, path):
    auth.login("op-thads-an-giang")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_operator_is_refused_every_admin_action(auth, client, path):
    auth.login("op-thads-an-giang")
    token = auth.csrf_token("/")
    assert client.post(path, data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize("username", ["booker", "leader"])
def test_staff_are_refused_admin_pages_too(auth, client, username):
    auth.login(username)
    assert client.get("/admin/users").status_code == 403


def test_a_denial_is_audited(auth, client):
    auth.login("op-thads-an-giang")
    client.get("/admin/users")
    entry = db.session.query(AuditEntry).filter_by(action="auth.denied").one()
    assert entry.actor_name == "op-thads-an-giang" and entry.target_id == "/admin/users"


def test_operator_api_token_cannot_reach_admin_only_api(client, bearer):
    # Every API route today is open to any signed-in role; admin-only API routes must answer 403.
    headers = bearer("op-thads-an-giang")
    assert client.get("/api/v1/endpoints", headers=headers).status_code == 200
    from meetings.auth.access import rule_for_endpoint

    with client.application.test_request_context():
        admin_api = [rule.rule for rule in client.application.url_map.iter_rules()
                     if rule.rule.startswith("/api/") and rule_for_endpoint(rule.endpoint).roles == ("admin",)]
    for path in admin_api:
        assert client.get(path, headers=headers).status_code == 403


def test_form_posted_without_csrf_token_is_refused(auth, client):
    auth.login("admin")
    response = client.post("/admin/users/new", data={"username": "x", "role": "booker", "password": "longenough1"})
    assert response.status_code == 400
    assert client.get("/admin/users?q=x").get_data(as_text=True).count("/admin/users/") == 1  # only "new" link


def test_login_form_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "booker", "password": "demo12345"})
    assert response.status_code == 400


def test_api_call_with_session_cookie_needs_csrf(auth, client):
    auth.login("booker")
    # No write routes exist yet besides the token; the CSRF check applies to every unsafe API call.
    response = client.post("/api/v1/endpoints")
    assert response.status_code in (400, 405)


def test_eleventh_wrong_password_within_a_minute_is_rate_limited(auth, client):
    statuses = [auth.login("booker", "wrong-password").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_per_account_limit_holds_across_addresses(app, client):
    statuses = []
    for attempt in range(11):
        other = app.test_client()
        page = other.get("/login", environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"}).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        statuses.append(other.post("/login", data={"username": "leader", "password": "nope-nope", "csrf_token": token},
                                   environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"}).status_code)
    assert statuses[-1] == 429 and statuses[:10] == [401] * 10


def test_api_token_route_is_rate_limited_too(client):
    statuses = [client.post("/api/v1/auth/token", json={"username": "booker", "password": "bad"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert (
        client.post("/api/v1/auth/token", json={"username": "booker", "password": "bad"}).get_json()["error"]["code"]
        == "rate_limited"
    )


def test_successful_logins_do_not_count_against_the_limit(auth, client):
    for _ in range(12):
        assert auth.login("booker").status_code == 302
        auth.logout()


@pytest.mark.parametrize("next_url", ["//evil.example", "https://evil.example/x", "/\\evil.example"])
def test_next_parameter_cannot_redirect_off_site(auth, next_url):
    response = auth.login("booker", next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(auth):
    assert auth.login("booker", next_url="/endpoints?q=an").headers["Location"] == "/endpoints?q=an"


def test_security_headers_on_every_response(client, auth):
    for response in (client.get("/login"), client.get("/healthz"), client.get("/api/v1/endpoints")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(auth, client):
    auth.login("admin")
    for path in (
        "/",
        "/endpoints",
        "/endpoints/thads-an-giang",
        "/groups",
        "/admin/users",
        "/admin/users/1",
        "/endpoints/thads-an-giang/edit",
        "/admin/audit",
        "/account",
        "/mcu/status",
    ):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), path
        assert " style=" not in html, path
        assert "onclick=" not in html, path


def test_no_asset_comes_from_another_host(auth, client):
    auth.login("booker")
    html = client.get("/endpoints").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', html)
    assert assets and all(asset.startswith("/") and not asset.startswith("//") for asset in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200
