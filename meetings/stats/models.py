"""The marker of demo history: which held meetings `flask seed demo` made up."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from meetings.extensions import db


class DemoMeeting(db.Model):
    """A meeting of the made-up history (demo data only); the key names it so that seeding again skips it."""

    __tablename__ = "demo_meetings"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    demo_key: Mapped[str] = mapped_column(String(40), unique=True)
