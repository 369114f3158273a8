"""Breadcrumbs name what they lead to: an endpoint's name, a group's label, an invitation's title, never the
code the URL carries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from meetings.bridge.models import Invitation
from meetings.database import utcnow
from meetings.endpoints.models import EndpointGroup
from meetings.extensions import db
from tests.factories import AN_GIANG, endpoint


def _breadcrumb(html: str) -> str:
    match = re.search(r'<ol class="breadcrumb">(.*?)</ol>', html, re.S)
    assert match, "the page has no breadcrumb"
    return re.sub(r"<[^>]+>", " ", match.group(1))


@pytest.mark.parametrize("path", [f"/endpoints/{AN_GIANG}", f"/endpoints/{AN_GIANG}/edit",
                                  f"/endpoints/{AN_GIANG}/retire"])
def test_an_endpoints_pages_name_it_in_the_breadcrumb(auth, client, path):
    auth.login("admin")
    response = client.get(path)
    assert response.status_code == 200
    crumbs = _breadcrumb(response.get_data(as_text=True))
    assert endpoint(AN_GIANG).name in crumbs and AN_GIANG not in crumbs, crumbs


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", ["/groups/all-enforcement", "/groups/all-enforcement/edit"])
def test_a_groups_pages_give_its_label_in_the_readers_language(auth, client, path, lang):
    auth.login("admin")
    client.post("/language", data={"lang": lang, "csrf_token": auth.csrf_token("/")})
    response = client.get(path)
    assert response.status_code == 200
    crumbs = _breadcrumb(response.get_data(as_text=True))
    group = db.session.query(EndpointGroup).filter_by(name="all-enforcement").one()
    assert group.label(lang) in crumbs and "all-enforcement" not in crumbs, crumbs


def test_an_invitations_page_gives_its_title_in_the_breadcrumb(auth, client):
    start = utcnow() + timedelta(days=30)
    invitation = Invitation(conference_id="GOV-2031-0042", title="Hội nghị trực tuyến của Chính phủ với các địa phương",
                            start_at=start, end_at=start + timedelta(hours=3))
    db.session.add(invitation)
    db.session.flush()
    auth.login("booker")
    response = client.get(f"/govconf/invitations/{invitation.id}")
    assert response.status_code == 200
    crumbs = _breadcrumb(response.get_data(as_text=True))
    assert "Hội nghị trực tuyến của Chính phủ" in crumbs and "GOV-2031-0042" not in crumbs, crumbs
