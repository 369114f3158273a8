"""Links in e-mails are built on PUBLIC_URL, whatever address the request came in on."""
from __future__ import annotations

import re

from sqlalchemy import select

from meetings.extensions import db
from meetings.notify.models import OutgoingMail
from tests.factories import endpoint, future_day, meeting_body


def test_invitation_links_point_at_public_url(app, client, bearer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://127.0.0.1:5960")
    endpoint("thads-an-giang", email="thads.angiang@moj.gov.vn")
    db.session.flush()
    response = client.post("/api/v1/meetings", headers=bearer("booker"), json=meeting_body(future_day(6)))
    assert response.status_code == 201, response.get_data(as_text=True)
    mails = list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == response.get_json()["id"])))
    [invitation] = [mail for mail in mails if "thads.angiang@moj.gov.vn" in mail.recipients]
    links = re.findall(r"https?://[^\s\"'<>]+", invitation.body_text)
    assert links and all(link.startswith("http://127.0.0.1:5960/") for link in links), links
