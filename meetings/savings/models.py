"""Cost rates versioned by the date they take effect, and the savings stored when a meeting is held."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.database import UTCDateTime, utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.savings.calculator import RATE_FIELDS, FareBand, Rates

SNAPSHOT_REASONS = ("completed", "attendance", "recomputed")


class CostRate(db.Model):
    """One version of the rates, in force from effective_from until the next version's date."""

    __tablename__ = "cost_rates"
    __table_args__ = (CheckConstraint("road_speed_kmh > 0 AND air_speed_kmh > 0", name="speeds_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    per_diem_vnd: Mapped[int] = mapped_column()
    lodging_hanoi_vnd: Mapped[int] = mapped_column()
    lodging_city_vnd: Mapped[int] = mapped_column()
    lodging_other_vnd: Mapped[int] = mapped_column()
    fuel_price_vnd: Mapped[int] = mapped_column()
    fuel_ml_per_km: Mapped[int] = mapped_column()
    local_max_km: Mapped[int] = mapped_column()
    same_day_max_km: Mapped[int] = mapped_column()
    travel_days: Mapped[int] = mapped_column()
    air_from_km: Mapped[int] = mapped_column()
    road_speed_kmh: Mapped[int] = mapped_column()
    air_speed_kmh: Mapped[int] = mapped_column()
    air_transfer_minutes: Mapped[int] = mapped_column()
    vc_endpoint_hour_vnd: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    fares: Mapped[list[FareRate]] = relationship(back_populates="rate", cascade="all, delete-orphan",
                                                   order_by="[FareRate.mode, FareRate.from_km]")

    def to_rates(self) -> Rates:
        return Rates(effective_from=self.effective_from, version=self.id,
                     fares=tuple(FareBand(f.mode, f.from_km, f.fare_vnd) for f in self.fares),
                     **{name: getattr(self, name) for name in RATE_FIELDS})


class FareRate(db.Model):
    """A row of a version's fare table: one way, one person, from a distance on."""

    __tablename__ = "fare_rates"
    __table_args__ = (
        UniqueConstraint("rate_id", "mode", "from_km"),
        CheckConstraint("mode IN ('road', 'air')", name="mode_known"),
        CheckConstraint("from_km >= 0 AND fare_vnd >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_id: Mapped[int] = mapped_column(ForeignKey("cost_rates.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(10))
    from_km: Mapped[int] = mapped_column()
    fare_vnd: Mapped[int] = mapped_column()

    rate: Mapped[CostRate] = relationship(back_populates="fares")


class SavingsSnapshot(db.Model):
    """A held meeting's savings with a copy of the rates used, so that later rate changes leave it alone."""

    __tablename__ = "savings_snapshots"
    __table_args__ = (
        CheckConstraint("reason IN ('completed', 'attendance', 'recomputed')", name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    rate_id: Mapped[int | None] = mapped_column(ForeignKey("cost_rates.id", ondelete="SET NULL"))
    rates_effective_from: Mapped[date] = mapped_column(Date)
    rates: Mapped[dict[str, Any]] = mapped_column(JSON)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    travel_km: Mapped[int] = mapped_column(BigInteger)
    travel_minutes: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Raised by every UPDATE of the row: the statistics' version sums it (meetings.stats.queries.data_version).
    revision: Mapped[int] = mapped_column(default=0, server_default="0", onupdate=text("revision + 1"))

    items: Mapped[list[SavingsItem]] = relationship(back_populates="snapshot", cascade="all, delete-orphan",
                                                      order_by="SavingsItem.id")
    computed_by = relationship("User")


class SavingsItem(db.Model):
    """One endpoint's figures in a snapshot; every column is shown on the savings page."""

    __tablename__ = "savings_items"
    # The statistics' version reads a period's items by snapshot: on PostgreSQL from the index alone.
    __table_args__ = (Index("ix_savings_items_snapshot_id", "snapshot_id", postgresql_include=["id", "revision"]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("savings_snapshots.id", ondelete="CASCADE"))
    # Raised by every UPDATE of the row: the statistics' version sums it (meetings.stats.queries.data_version).
    revision: Mapped[int] = mapped_column(default=0, server_default="0", onupdate=text("revision + 1"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id"), index=True)
    attendance: Mapped[str | None] = mapped_column(String(10))
    counted: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[int] = mapped_column(default=0)
    attendees_source: Mapped[str] = mapped_column(String(10), default="")
    distance_km: Mapped[int] = mapped_column(default=0)
    mode: Mapped[str | None] = mapped_column(String(10))
    basis: Mapped[str | None] = mapped_column(String(20))
    fare_one_way_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    band_from_km: Mapped[int | None] = mapped_column()
    days: Mapped[int] = mapped_column(default=0)
    nights: Mapped[int] = mapped_column(default=0)
    same_day: Mapped[bool] = mapped_column(default=False)
    travel_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    per_diem_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    lodging_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    vc_seconds: Mapped[int] = mapped_column(default=0)
    vc_cost_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    saving_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    travel_km: Mapped[int] = mapped_column(BigInteger, default=0)
    travel_minutes: Mapped[int] = mapped_column(BigInteger, default=0)

    snapshot: Mapped[SavingsSnapshot] = relationship(back_populates="items")
    endpoint: Mapped[Endpoint] = relationship()
