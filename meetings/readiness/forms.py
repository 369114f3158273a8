"""Forms of the readiness pages. The answer and test buttons carry `status` / `result` themselves."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class AnswerForm(FlaskForm):
    """Ready, or not ready with a reason; the service says what is missing."""

    status = HiddenField()
    note = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
    next = HiddenField()


class CallResultForm(FlaskForm):
    result = HiddenField()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class ProbeCheckForm(FlaskForm):
    """The probes page: every endpoint's address is a `probe-<code>` field; `check` names one to try now."""

    check = StringField(validators=[Optional(), Length(max=64)])
