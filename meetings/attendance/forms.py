"""Forms of the attendance pages: uploading a call-detail-record file and confirming its import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class CdrUploadForm(FlaskForm):
    file = FileField(_l("Call-detail-record file (CSV)"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("As exported by the MCU: at least the remote party (dial string), the connect and "
                                    "disconnect times or the duration. UTF-8; commas or semicolons."))


class CdrConfirmForm(FlaskForm):
    mark_absent = BooleanField(_l("Mark endpoints without a call and without attendance as absent"), default=False)
