"""Conference endpoints (điểm cầu), their earlier names, and groups of endpoints."""
from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Numeric, String, Table, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.collation import endpoint_sort_key
from meetings.database import UTCDateTime, utcnow
from meetings.extensions import db

KINDS = ("hq", "enforcement", "law_school", "southern_office", "government", "other")
REGIONS = ("north", "central", "south")

group_members = Table(
    "endpoint_group_members",
    db.metadata,
    Column("group_id", ForeignKey("endpoint_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("endpoint_id", ForeignKey("endpoints.id", ondelete="CASCADE"), primary_key=True),
)


class Endpoint(db.Model):
    __tablename__ = "endpoints"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('hq', 'enforcement', 'law_school', 'southern_office', 'government', 'other')",
            name="kind_known",
        ),
        CheckConstraint("distance_km >= 0", name="distance_not_negative"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    province: Mapped[str] = mapped_column(String(100), default="")
    # Vietnamese alphabetical order by province then name (meetings.core.collation), kept by the model.
    sort_key: Mapped[str] = mapped_column(String(600), default="", server_default="", index=True)
    gso_code: Mapped[str] = mapped_column(String(4), default="")
    region: Mapped[str] = mapped_column(String(20), default="", index=True)
    subregion: Mapped[str] = mapped_column(String(40), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    distance_km: Mapped[int] = mapped_column(default=0)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    dial_string: Mapped[str] = mapped_column(String(200), default="")
    seats: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    calendar_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(24))
    retired_on: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("endpoints.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed: the newest change is one step for the versions of the board and the registry.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    successor: Mapped[Endpoint | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)
    former_names: Mapped[list[EndpointName]] = relationship(
        back_populates="endpoint", order_by="EndpointName.valid_until", cascade="all, delete-orphan"
    )

    @property
    def is_merged(self) -> bool:
        return self.successor_id is not None

    def name_on(self, day: date) -> str:
        """The name the endpoint carried on a given day (past meetings show it as it was)."""
        for former in self.former_names:
            if day < former.valid_until:
                return former.name
        return self.name

    def __repr__(self) -> str:
        return f"<Endpoint {self.code}>"


@event.listens_for(Endpoint, "before_insert")
@event.listens_for(Endpoint, "before_update")
def _keep_sort_key(mapper, connection, endpoint: Endpoint) -> None:
    endpoint.sort_key = endpoint_sort_key(endpoint.province, endpoint.name)


class EndpointName(db.Model):
    """A name (and province) an endpoint carried until a date."""

    __tablename__ = "endpoint_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    province: Mapped[str] = mapped_column(String(100), default="")
    valid_until: Mapped[date] = mapped_column(Date)

    endpoint: Mapped[Endpoint] = relationship(back_populates="former_names")


class EndpointGroup(db.Model):
    """A named set of endpoints. System groups follow a rule (kind or region); others list members."""

    __tablename__ = "endpoint_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label_vi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    is_system: Mapped[bool] = mapped_column(default=False)
    rule_kind: Mapped[str | None] = mapped_column(String(20))
    rule_region: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Endpoint]] = relationship(secondary=group_members, order_by=Endpoint.sort_key)

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi
