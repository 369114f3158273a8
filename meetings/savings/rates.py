"""Cost-rate versions: the one in force on a day, adding and correcting versions, and the default seed."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetings.auth import audit
from meetings.auth.models import User
from meetings.errors import ConflictError, NotFound, ValidationError
from meetings.extensions import db
from meetings.savings.calculator import (
    DEFAULT_EFFECTIVE_FROM,
    RATE_FIELDS,
    FareBand,
    RateProblem,
    Rates,
    check_rates,
    default_rates,
)
from meetings.savings.models import CostRate, FareRate

# Seed data, in Vietnamese like the rest of the registry's data.
DEFAULT_NOTE = (
    "Thông tư 40/2017/TT-BTC: phụ cấp lưu trú 200.000 đ/người/ngày; khoán tiền thuê phòng nghỉ 450.000 đ/đêm "
    "(Hà Nội, thành phố trực thuộc trung ương, đô thị loại I), 350.000 đ (thành phố, thị xã thuộc tỉnh), "
    "300.000 đ (vùng còn lại); tự túc phương tiện 0,2 lít xăng/km. Giá xăng, giá vé máy bay và chi phí "
    "hội nghị truyền hình là số ước tính của hệ thống: cần cập nhật."
)


def rate_on(day: date) -> CostRate | None:
    """The version in force on a day: the latest that took effect on or before it."""
    return db.session.scalar(
        select(CostRate)
        .where(CostRate.effective_from <= day)
        .order_by(CostRate.effective_from.desc())
        .limit(1)
        .options(selectinload(CostRate.fares))
    )


def list_rates() -> list[CostRate]:
    return list(
        db.session.scalars(
            select(CostRate).order_by(CostRate.effective_from.desc()).options(selectinload(CostRate.fares))
        )
    )


def get_rate(rate_id: int) -> CostRate:
    rate = db.session.get(CostRate, rate_id)
    if rate is None:
        raise NotFound(_("No cost-rate version %(id)s.", id=rate_id))
    return rate


def problem_messages(problems: list[RateProblem]) -> dict[str, str]:
    """Each problem of a rate set in words, keyed by field ('fares' for the fare table)."""
    texts = {
        "negative": _("Must not be negative."),
        "not_positive": _("Must be more than zero."),
        "bad_mode": _("Each fare is either road or air."),
        "duplicate_band": _("Two fares of the same kind start at %(km)s km."),
        "no_air_fare": _("No air fare covers %(km)s km, where air travel starts."),
        "road_band_unused": _("The road fare from %(km)s km never applies: air travel starts before."),
        "fare_decreases": _(
            "At %(km)s km the fare is lower than just below it: a trip must never cost less for going further."
        ),
    }
    messages: dict[str, str] = {}
    for problem in problems:
        text = texts[problem.code] % {"km": problem.km}
        messages[problem.field] = f"{messages[problem.field]} {text}" if problem.field in messages else text
    return messages


def _state(rate: CostRate) -> dict:
    return {
        "effective_from": rate.effective_from.isoformat() if rate.effective_from else None,
        "note": rate.note,
        **{name: getattr(rate, name) for name in RATE_FIELDS},
        "fares": [
            f"{f.mode} {f.from_km} km: {f.fare_vnd}" for f in sorted(rate.fares, key=lambda f: (f.mode, f.from_km))
        ],
    }


def save_rate(
    rate: CostRate | None,
    *,
    effective_from: date,
    values: dict[str, int],
    fares: list[FareBand],
    note: str,
    actor: User,
) -> CostRate:
    """Add a version (rate None) or correct one; raises ValidationError for unsound rates or a taken date."""
    candidate = Rates(effective_from=effective_from, fares=tuple(fares), **values)
    errors = problem_messages(check_rates(candidate))
    clash = select(CostRate.id).where(CostRate.effective_from == effective_from)
    if rate is not None:
        clash = clash.where(CostRate.id != rate.id)
    if db.session.scalar(clash) is not None:
        errors["effective_from"] = _("Another version already takes effect on that day.")
    if errors:
        raise ValidationError(errors)
    before = _state(rate) if rate is not None else {}
    if rate is None:
        rate = CostRate(created_by_id=actor.id if actor else None)
        db.session.add(rate)
    rate.effective_from, rate.note = effective_from, note.strip()
    for name in RATE_FIELDS:
        setattr(rate, name, values[name])
    rate.fares.clear()
    db.session.flush()  # old fare rows go before new ones with the same (mode, from_km) arrive
    rate.fares.extend(FareRate(mode=band.mode, from_km=band.from_km, fare_vnd=band.fare_vnd) for band in fares)
    rate.updated_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(
        "rates.update" if before else "rates.create",
        actor=actor,
        target_type="cost_rate",
        target_id=rate.id,
        summary=effective_from.isoformat(),
        changes=audit.diff(before, _state(rate)),
    )
    return rate


def delete_rate(rate: CostRate, *, actor: User) -> None:
    """Delete a version; stored savings keep their own copy of it. The last version cannot go."""
    if db.session.scalar(select(func.count(CostRate.id))) <= 1:
        raise ConflictError(_("The only version of the rates cannot be deleted."), code="last_rates")
    audit.record(
        "rates.delete",
        actor=actor,
        target_type="cost_rate",
        target_id=rate.id,
        summary=rate.effective_from.isoformat(),
        changes=_state(rate),
    )
    db.session.delete(rate)
    db.session.flush()


def seed_default_rates() -> int:
    """The Circular 40/2017/TT-BTC defaults, when there is no version yet; returns the versions added."""
    if db.session.scalar(select(func.count(CostRate.id))):
        return 0
    defaults = default_rates(DEFAULT_EFFECTIVE_FROM)
    rate = CostRate(
        effective_from=defaults.effective_from,
        note=DEFAULT_NOTE,
        **{name: getattr(defaults, name) for name in RATE_FIELDS},
    )
    rate.fares = [FareRate(mode=b.mode, from_km=b.from_km, fare_vnd=b.fare_vnd) for b in defaults.fares]
    db.session.add(rate)
    db.session.flush()
    return 1
