"""Forms that every domain uses."""
from __future__ import annotations

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """An empty form: a button that needs only the CSRF token."""
