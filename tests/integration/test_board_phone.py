"""The readiness board on the morning of the meeting: it opens on the endpoints not answered or not ready
when there are any, gives each of them its contact's number as a tel: link, and shows names, not codes."""
from __future__ import annotations

import re

from meetings.endpoints.seed import demo_phone, seed_demo_contacts
from meetings.extensions import db
from tests.factories import AN_GIANG, HA_NOI, endpoint, participant, upcoming


def _board(client, meeting_id: int) -> str:
    response = client.get(f"/meetings/{meeting_id}/readiness")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr id="row-{code}".*?</tr>', html, re.S)
    assert match, code
    return match.group(0)


def test_the_board_starts_on_the_endpoints_to_call_and_links_their_numbers(auth, client):
    endpoint(AN_GIANG).contact_phone = "0900 000 011"
    endpoint(HA_NOI).contact_phone = "0900 000 012"
    meeting = upcoming()
    participant(meeting, HA_NOI).readiness = "ready"
    db.session.flush()
    auth.login("booker")
    html = _board(client, meeting.id)
    assert 'data-start-filter="attention"' in html
    assert re.search(r'data-filter="attention" aria-pressed="true"', html)
    silent = _row(html, AN_GIANG)
    assert 'href="tel:0900000011"' in silent and "0900 000 011" in silent
    assert 'data-state="ready"' in _row(html, HA_NOI)  # its number is hidden by the stylesheet once ready
    pending_list = re.search(r'data-testid="pending-list".*?</ul>', html, re.S).group(0)
    assert 'href="tel:0900000011"' in pending_list
    # names instead of codes for the meeting office: the code is for administrators
    assert f'<span class="endpoint-code">{AN_GIANG}</span>' not in silent
    auth.logout()
    auth.login("admin")
    assert f'<span class="endpoint-code">{AN_GIANG}</span>' in _row(_board(client, meeting.id), AN_GIANG)


def test_the_board_starts_on_all_when_everyone_is_ready(auth, client):
    meeting = upcoming()
    for each in meeting.participants:
        each.readiness = "ready"
    db.session.flush()
    auth.login("booker")
    html = _board(client, meeting.id)
    assert 'data-start-filter="all"' in html
    assert re.search(r'data-filter="all" aria-pressed="true"', html)


def test_the_demo_contacts_get_clearly_made_up_numbers_and_the_production_seed_none(app):
    assert endpoint(AN_GIANG).contact_phone == ""  # the registry's seed leaves contacts empty
    seed_demo_contacts()
    phone = endpoint(AN_GIANG).contact_phone
    assert re.fullmatch(r"0900 000 0\d\d", phone), phone
    assert "(dữ liệu mẫu)" in endpoint(AN_GIANG).contact_name
    assert demo_phone(7) == "0900 000 007"
