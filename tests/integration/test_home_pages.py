"""Each role's home page says what needs doing, with a fixed number of SQL statements whatever the data's size."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.bridge.models import BridgeState
from meetings.database import utcnow
from meetings.extensions import db
from tests.factories import AN_GIANG, HA_NOI, add_endpoints, add_participants, endpoint, participant, upcoming


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_bookers_home_lists_the_coming_days_with_their_readiness_gaps(auth, client):
    soon = upcoming(starts_in=timedelta(days=2))
    far = upcoming(starts_in=timedelta(days=30))
    participant(soon, HA_NOI).readiness = "not_ready"
    db.session.flush()
    auth.login("booker")
    html = _home(client)
    assert 'data-testid="home-booker"' in html
    rows = re.findall(r'data-testid="home-meeting" data-meeting="(\d+)" data-gaps="(\d+)"', html)
    assert (str(soon.id), str(len(soon.participants))) in rows
    assert str(far.id) not in [meeting for meeting, _ in rows]
    assert 'data-testid="home-invitations"' in html and 'data-testid="home-attendance"' in html


@pytest.mark.parametrize("username", ["booker", "admin", "leader", "op-thads-an-giang"])
def test_each_home_takes_the_same_number_of_statements_for_few_and_many_meetings(auth, client, count_queries,
                                                                                username):
    auth.login(username)
    upcoming(starts_in=timedelta(days=1))
    client.get("/")
    with count_queries() as few:
        _home(client)
    extra = add_endpoints(25)
    for day in range(2, 6):
        meeting = upcoming(participants=(AN_GIANG, HA_NOI), starts_in=timedelta(days=day))
        add_participants(meeting, extra)
    db.session.flush()
    with count_queries() as many:
        _home(client)
    assert len(few) == len(many), (len(few), len(many))
    assert len(many) <= 16


def test_the_admins_home_says_what_is_broken(auth, client):
    endpoint(AN_GIANG).dial_string = ""
    state = db.session.scalar(select(BridgeState).limit(1))
    if state is None:
        state = BridgeState()
        db.session.add(state)
    state.paused_until, state.pause_reason = utcnow() + timedelta(hours=1), "401"
    db.session.flush()
    auth.login("admin")
    html = _home(client)
    assert 'data-testid="home-paused"' in html
    assert 'data-testid="home-incomplete"' in html and endpoint(AN_GIANG).name in html


def test_the_leaders_home_compares_this_year_so_far_with_the_same_dates(auth, client):
    auth.login("leader")
    html = _home(client)
    assert 'data-testid="home-leader"' in html and 'data-testid="figure-meetings"' in html
    assert 'data-testid="home-big-meetings"' in html


def test_the_operators_home_opens_on_their_next_meeting(auth, client):
    meeting = upcoming(starts_in=timedelta(days=3))
    auth.login("op-thads-an-giang")
    html = _home(client)
    assert 'data-testid="home-next-meeting"' in html and meeting.title in html
    assert 'data-testid="home-dial-in"' not in html  # the MCU is off in the tests

