"""The one way a page turns a service's refusal into feedback.

JSON routes never catch a DomainError: they let it rise to `meetings.errors`, which rolls back and
answers {"error": {"code", "message", "fields"?}}. A page that wants to stay where it is (re-render
its form, or redirect with a message) runs the service call inside `feedback_on`:

    with feedback_on(form, FIELD_FOR) as refusal:
        services.change_password(...)
        flash(_("Password changed."), "success")
        return redirect(url_for("auth.account"))
    # refused: the transaction was rolled back, `refusal.error` says why
    return render_template("auth/account.html", form=form), 422

On a DomainError the block stops, the request's transaction is rolled back (nothing half-written is
committed with the page by the request's boundary), each field message goes onto its form field
(keys renamed by `field_names`) and every other message is flashed. Success is the rest of the block.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import flash

from meetings.errors import DomainError
from meetings.extensions import db


@dataclass
class Refusal:
    """What `feedback_on` caught: the error (None if the block ran to its end) and the flashed field messages."""

    error: DomainError | None = None
    others: dict[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.error is not None


def show_feedback(error: DomainError, form=None, field_names: dict[str, str] | None = None,
                  category: str = "danger", summary: str | None = None, prefix: str = "",
                  keep: Collection[str] = ()) -> dict[str, str]:
    """Roll back; put field messages on the form's fields, flash the rest; return the field messages not placed.

    With `summary`, field messages that fit no form field are not flashed one by one: the page shows
    them itself (next to rows, say) and `summary` is flashed once. `prefix` starts every flashed
    message (say, which row of a board it is about). Messages of the `keep` keys are not flashed:
    the page shows them itself.
    """
    db.session.rollback()
    fields: dict[str, str] = getattr(error, "fields", None) or {}
    if not fields:
        flash(prefix + error.message, category)
        return {}
    others = {}
    for key, message in fields.items():
        name = (field_names or {}).get(key, key)
        if form is not None and name in form._fields:
            form[name].errors = list(form[name].errors) + [message]
        else:
            others[key] = message
            if summary is None and key not in keep:
                flash(prefix + message, category)
    if summary is not None:
        flash(prefix + summary, category)
    return others


@contextmanager
def feedback_on(form=None, field_names: dict[str, str] | None = None, *, category: str = "danger",
                summary: str | None = None, prefix: str = "", keep: Collection[str] = (),
                catch: type[DomainError] | tuple[type[DomainError], ...] = DomainError,
                silent: type[DomainError] | tuple[type[DomainError], ...] = ()) -> Iterator[Refusal]:
    """Turn a `catch` error raised in the block into feedback (others rise to `meetings.errors`).

    A `silent` error is caught and rolled back but shown by the page itself (a refusal page, say).
    """
    refusal = Refusal()
    try:
        yield refusal
    except catch as error:
        refusal.error = error
        if silent and isinstance(error, silent):
            db.session.rollback()
        else:
            refusal.others = show_feedback(error, form, field_names, category, summary, prefix, keep)
