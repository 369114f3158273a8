"""What hostile input is refused before any view or query sees it.

- Integer path arguments are bounded to the database's integer (PostgreSQL's int4): a larger id is a 404.
- A JSON body nested too deeply for the parser is a 400, not a RecursionError.
- Control characters (NUL and the other C0 characters but tab, newline and carriage return) in a query
  argument, form field, path argument or JSON string are a 422 with the field at fault: PostgreSQL refuses
  NUL in text, and no field of this application has a use for the others.
- Dates and times are accepted from 2000 to 2100 (the sane window): outside it they overflow when moved
  between time zones, and no meeting of the ministry lies there.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Request, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from meetings.core.window import FIRST_YEAR, LAST_YEAR, in_window
from meetings.errors import ValidationError

__all__ = ["FIRST_YEAR", "LAST_YEAR", "in_window"]

DB_INT_MAX = 2**31 - 1
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]")
MAX_JSON_DEPTH = 64


class InputRefused(ValidationError):
    """Refused before the view ran: pages answer it with an error page naming the fields, not a redirect."""

    as_page = True


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` matching only ids a database integer column can hold: a larger one matches no route (404).

    The bound is in the regular expression, not in a ValidationError of to_python, which werkzeug would
    answer with 405 when a sibling rule of another method shares the path."""

    regex = (r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
             r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=DB_INT_MAX if max is None else max,
                         signed=False)


class GuardedRequest(Request):
    """A JSON body too deep for the parser is malformed (400), even for `get_json(silent=True)`."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as error:
            raise BadRequest(_("The JSON body is nested too deeply.")) from error
        if value is not None and _depth_exceeds(value, MAX_JSON_DEPTH):
            raise BadRequest(_("The JSON body is nested too deeply."))
        return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def has_control_characters(value: str, *, allow_line_breaks: bool = True) -> bool:
    return bool(CONTROL_CHARACTERS.search(value)) or (not allow_line_breaks and bool(LINE_BREAKS.search(value)))


def _json_strings(value: Any, path: str = ""):
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if has_control_characters(str(key)):
                    yield name, str(key)
                stack.append((name, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]" if where else f"[{index}]", child) for index, child in enumerate(item))


def refuse_control_characters() -> None:
    """before_request: a control character anywhere in what the client typed is a 422 naming the field."""
    names: list[str] = []
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if has_control_characters(key) or has_control_characters(value):
                names.append(_printable(key))
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str) and has_control_characters(value):
            names.append(key)
    if request.is_json and request.content_length != 0:
        body = request.get_json(silent=True)
        names.extend(_printable(where) or "body" for where, value in _json_strings(body)
                     if has_control_characters(value))
    if names:  # the message is looked up only for a refusal: most requests have nothing to refuse
        message = _("Contains a control character, which is not allowed.")
        raise InputRefused(dict.fromkeys(names, message))


def _printable(name: str) -> str:
    return CONTROL_CHARACTERS.sub("?", name)[:80]


def window_message() -> str:
    return _("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)


class OutsideWindow(ValueError):
    """A date or time outside 2000..2100."""
