"""Forms of the endpoint registry."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional


class EndpointForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    name_changed_on = DateField(
        _l("New name in force from"),
        validators=[Optional()],
        description=_l("Only when the unit was renamed: meetings before this date keep the old name."),
    )
    province = StringField(_l("Province"), validators=[Optional(), Length(max=100)])
    city = StringField(_l("City / town"), validators=[Optional(), Length(max=100)])
    distance_km = IntegerField(
        _l("Road distance to Hà Nội (km)"),
        validators=[DataRequired(message=_l("Enter the distance in km.")), NumberRange(min=0, max=5000)],
    )
    seats = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=0, max=100000)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    dial_string = StringField(_l("Dial string (SIP URI, H.323 alias or IP)"), validators=[Optional(), Length(max=200)])
    latitude = DecimalField(_l("Latitude"), places=6, validators=[Optional(), NumberRange(min=8, max=24)])
    longitude = DecimalField(_l("Longitude"), places=6, validators=[Optional(), NumberRange(min=102, max=118)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class RetireForm(FlaskForm):
    on = DateField(_l("Retired from"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class MergeForm(FlaskForm):
    successor = SelectField(_l("Merged into"), choices=[], validators=[DataRequired()])
    on = DateField(_l("Merged from"), validators=[DataRequired()])
    reason = StringField(_l("Legal basis or reason"), validators=[Optional(), Length(max=300)])


class GroupForm(FlaskForm):
    name = StringField(_l("Short name (code)"), validators=[DataRequired(), Length(max=64)])
    label_vi = StringField(_l("Name in Vietnamese"), validators=[DataRequired(), Length(max=200)])
    label_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    members = SelectMultipleField(_l("Members"), choices=[], validate_choice=False)
