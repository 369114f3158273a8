"""The form of a cost-rate version; its fare table comes as numbered rows (fare-N-mode, -from_km, -fare_vnd)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

MONEY = NumberRange(min=0, max=1_000_000_000)
KM = NumberRange(min=0, max=10_000)


def _number(label, *, limits=MONEY, description=None) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(message=_l("Required.")), limits], description=description)


class RateForm(FlaskForm):
    effective_from = DateField(_l("In force from"), validators=[DataRequired(message=_l("Choose the date."))],
                               description=_l("Meetings on or after this day use this version, until the next one."))
    per_diem_vnd = _number(_l("Per diem, per person and day (₫)"))
    lodging_hanoi_vnd = _number(_l("Lodging a night: Hà Nội, centrally-run and grade-I cities (₫)"),
                                description=_l("The model's meetings are in Hà Nội: this rate is the one used."))
    lodging_city_vnd = _number(_l("Lodging a night: other provincial cities and towns (₫)"))
    lodging_other_vnd = _number(_l("Lodging a night: elsewhere (₫)"))
    fuel_price_vnd = _number(_l("Petrol price a litre (₫)"))
    fuel_ml_per_km = _number(_l("Own vehicle: petrol a km (millilitres)"), limits=NumberRange(min=0, max=10_000),
                             description=_l("Circular 40: 0.2 litre a km, that is 200."))
    local_max_km = _number(_l("Local trip below (km)"), limits=KM,
                           description=_l("Nearer endpoints save no travel, per diem or lodging."))
    same_day_max_km = _number(_l("Same-day return below (km)"), limits=KM,
                              description=_l("Only for a meeting of at most one day."))
    travel_days = _number(_l("Travel days added beyond that distance"), limits=NumberRange(min=0, max=10))
    air_from_km = _number(_l("Air travel from (km)"), limits=KM)
    road_speed_kmh = _number(_l("Average road speed (km/h)"), limits=NumberRange(min=1, max=200))
    air_speed_kmh = _number(_l("Air: road-distance km covered per hour of flight"), limits=NumberRange(min=1, max=2000))
    air_transfer_minutes = _number(_l("Air: transfers and check-in, one way (minutes)"),
                                   limits=NumberRange(min=0, max=1440))
    vc_endpoint_hour_vnd = _number(_l("Videoconference cost per endpoint-hour (₫)"))
    note = TextAreaField(_l("Legal basis and notes"), validators=[Optional(), Length(max=2000)])
