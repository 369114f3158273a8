"""The booking form. Participants come from checkboxes and per-endpoint number inputs."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("The title is required.")), Length(max=300)])
    organizer = StringField(_l("Organising unit"), validators=[Optional(), Length(max=200)])
    chair = StringField(_l("Chair"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=10000)])
    host = SelectField(_l("Host endpoint"), choices=[], validate_choice=False)
    start_date = DateField(_l("Date"), validators=[DataRequired(message=_l("Choose the date."))])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Choose the start time."))])
    end_date = DateField(_l("Ends on"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Choose the end time."))])
    test_minutes_before = IntegerField(_l("Technical test (minutes before)"), default=60,
                                       validators=[Optional(), NumberRange(min=0, max=1440)])
    bridge_to_government = BooleanField(_l("Connect to the Government Office's conference system"))
    repeat = SelectField(_l("How often"), choices=[("", _l("Does not repeat")), ("WEEKLY", _l("Every week")),
                                               ("MONTHLY", _l("Every month"))], default="")
    repeat_count = IntegerField(_l("Number of meetings"), validators=[Optional(), NumberRange(min=2, max=1000)])
    repeat_until = DateField(_l("Until"), validators=[Optional()])
    scope = RadioField(_l("Apply to"), choices=[("this", _l("This meeting only")),
                                               ("following", _l("This and the following meetings of the series"))],
                       default="this")


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
    scope = RadioField(_l("Cancel"), choices=[("this", _l("This meeting only")),
                                             ("following", _l("This and the following meetings of the series"))],
                       default="this")
