"""The booking form. Participants come from checkboxes and per-endpoint number inputs."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from meetings.booking.validation import parse_day


def parse_clock(text: str) -> time:
    """24-hour time: '08:00', '8:00', '8h00' or '0800'."""
    cleaned = text.strip().lower().replace("h", ":").replace(".", ":")
    if ":" not in cleaned and cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    hours, _, minutes = cleaned.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


class DayField(Field):
    """A day typed as dd/mm/yyyy (ISO yyyy-mm-dd is accepted too); shown as dd/mm/yyyy whatever the browser."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "placeholder": "dd/mm/yyyy", "autocomplete": "off",
                                        "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}", "data-day": ""})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_day(valuelist[0])
        except ValueError as error:
            raise ValueError(_l("Type the day as dd/mm/yyyy, e.g. 08/12/2026.")) from error


class ClockField(Field):
    """A 24-hour time typed as HH:MM: no AM/PM whatever the browser's language."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "placeholder": "HH:MM", "autocomplete": "off",
                                        "pattern": r"([01]?\d|2[0-3]):[0-5]\d", "maxlength": "5",
                                        "data-clock": ""})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_clock(valuelist[0])
        except ValueError as error:
            raise ValueError(_l("Type the time as HH:MM on the 24-hour clock, e.g. 14:30.")) from error


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("The title is required.")), Length(max=300)])
    organizer = StringField(_l("Organising unit"), validators=[Optional(), Length(max=200)])
    chair = StringField(_l("Chair"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=10000)])
    host = SelectField(_l("Host endpoint"), choices=[], validate_choice=False)
    start_date = DayField(_l("Date"), validators=[DataRequired(message=_l("Choose the date."))])
    start_time = ClockField(_l("Starts at"), validators=[DataRequired(message=_l("Choose the start time."))])
    end_date = DayField(_l("Ends on"), validators=[Optional()])
    end_time = ClockField(_l("Ends at"), validators=[DataRequired(message=_l("Choose the end time."))])
    test_minutes_before = IntegerField(_l("Technical test (minutes before)"), default=60,
                                       validators=[Optional(), NumberRange(min=0, max=1440)])
    bridge_to_government = BooleanField(_l("Connect to the Government Office's conference system"))
    repeat = SelectField(_l("How often"), choices=[("", _l("Does not repeat")), ("WEEKLY", _l("Every week")),
                                               ("MONTHLY", _l("Every month"))], default="")
    repeat_count = IntegerField(_l("Number of meetings"), validators=[Optional(), NumberRange(min=2, max=1000)])
    repeat_until = DayField(_l("Until"), validators=[Optional()])
    scope = RadioField(_l("Apply to"), choices=[("this", _l("This meeting only")),
                                               ("following", _l("This and the following meetings of the series"))],
                       default="this")


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
    scope = RadioField(_l("Cancel"), choices=[("this", _l("This meeting only")),
                                             ("following", _l("This and the following meetings of the series"))],
                       default="this")
