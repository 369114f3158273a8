"""The call panel in a real browser: the rooms of a meeting whose test time has come connect on the board
through the simulated MCU, live, without a reload; a hung-up room stays out."""
from __future__ import annotations

import threading
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu.jobs import sweeps
from meetings.mcu.simulator.state import Faults
from meetings.scheduler.runner import run_sweep
from tests.conftest import LIVE_APPS
from tests.factories import make_meeting
from tests.mcu_sim import mcu_settings, simulated_mcu

# Rooms no other browser test books: the live server's database is shared by the whole e2e session.
ROOMS = ("thads-lao-cai", "thads-son-la", "thads-yen-bai", "thads-ha-giang", "thads-tuyen-quang")
UNREACHABLE = "thads-tuyen-quang"


class Sweeper:
    """The scheduler's mcu sweep, every 0.3 s in a thread, against the live server's database."""

    def __init__(self, app):
        self.app, self.stop = app, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        [sweep] = [s for s in sweeps() if s.name == "mcu"]
        while not self.stop.wait(0.3):
            run_sweep(self.app, sweep)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)


def test_the_board_shows_rooms_connecting_through_the_simulator(page, live_server, login):
    app = LIVE_APPS[live_server]
    faults = Faults(busy={f"sip:{ROOMS[2]}@vc.moj.gov.vn": 1}, unreachable={f"sip:{UNREACHABLE}@vc.moj.gov.vn"})
    saved = dict(app.config)
    with simulated_mcu(faults=faults, ring_seconds=0.8, answer_seconds=1.2) as (url, mcu):
        app.config.update({**mcu_settings(url), "MCU_SWEEP_SECONDS": 1, "MCU_REDIAL_SECONDS": 0.5,
                           "READINESS_POLL_SECONDS": 1, "MCU_CDR_TOKEN": ""})
        try:
            meeting_id = None
            with app.app_context():
                now = utcnow().replace(microsecond=0)
                start = now + timedelta(minutes=30)
                meeting = make_meeting(participants=ROOMS, start_at=start, end_at=start + timedelta(hours=2),
                                       test_at=now - timedelta(minutes=1), title="Giao ban — thử kết nối MCU")
                meeting_id = meeting.id
                db.session.commit()
            login("booker")
            page.goto(f"/meetings/{meeting_id}")
            panel = page.get_by_test_id("call-panel")
            expect(panel).to_be_visible()
            expect(panel.get_by_test_id("call-counts")).to_contain_text("0/6")
            page.evaluate("window.__notReloaded = true")
            with Sweeper(app):
                expect(panel.get_by_test_id("call-counts")).to_contain_text("5/6", timeout=30000)
                unreachable = panel.locator(f"tr[data-endpoint='{UNREACHABLE}'] [data-testid='call-state']")
                expect(unreachable).to_have_attribute("data-state", "failed", timeout=30000)
                busy = panel.locator(f"tr[data-endpoint='{ROOMS[2]}'] [data-testid='call-state']")
                expect(busy).to_have_attribute("data-state", "connected")
                assert page.evaluate("window.__notReloaded") is True  # live, without a reload
                expect(panel.locator(f"tr[data-endpoint='{ROOMS[0]}'] [data-cell='detail']")).to_contain_text(":")

                # Hang one up from the board: it stays out.
                panel.locator(f"tr[data-endpoint='{ROOMS[1]}'] [data-testid='hang-up-one']").click()
                page.wait_for_load_state()
                row = page.get_by_test_id("call-panel").locator(f"tr[data-endpoint='{ROOMS[1]}']")
                expect(row.get_by_test_id("call-state")).to_have_attribute("data-state", "disconnected",
                                                                          timeout=30000)
                expect(page.get_by_test_id("call-counts")).to_contain_text("4/6")
            assert not mcu.live_legs(f"sip:{ROOMS[1]}@vc.moj.gov.vn")
            assert all(len(mcu.live_legs(f"sip:{code}@vc.moj.gov.vn")) == 1 for code in ("moj-hq", ROOMS[0]))
        finally:
            app.config.clear()
            app.config.update(saved)
            _release(app, meeting_id)


def _release(app, meeting_id: int) -> None:
    """Cancel the meeting so that the headquarters' room is free for the other browser tests."""
    with app.app_context():
        db.session.execute(update(Participant).where(Participant.meeting_id == meeting_id).values(holds_slot=False))
        db.session.execute(update(Meeting).where(Meeting.id == meeting_id).values(status=MeetingStatus.CANCELLED))
        db.session.commit()
