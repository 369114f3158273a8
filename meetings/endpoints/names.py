"""An endpoint's short name for narrow places (tables, chips): "THADS An Giang" for "Cục Thi hành án dân sự
tỉnh An Giang". Derived from the full name, so a renamed endpoint or a name of the past shortens alike."""
from __future__ import annotations

import re

# (pattern on the full name, replacement), tried in order; the first that matches wins.
_RULES = (
    (re.compile(r"^(?:Cục\s+)?Thi hành án dân sự\s+(?:tỉnh\s+|thành phố\s+)?(?P<place>.+)$", re.I),
     "THADS {place}"),
    (re.compile(r"^Trường Trung cấp Luật\s+(?P<place>.+)$", re.I), "Trường TC Luật {place}"),
)
# What follows the name proper: a remark in brackets, or an en or em dash and a description (a hyphen joins
# two places, as in "Bà Rịa - Vũng Tàu", and stays).
_BRACKETS = re.compile(r"\s+\(.*\)$")
_TAIL = re.compile(r"\s+(?:\(.*\)|[–—]\s.*)$")


def short_name(name: str) -> str:
    """The short form of an endpoint's name; a name that no rule knows keeps its words, less any tail."""
    name = " ".join(name.split())
    for pattern, replacement in _RULES:
        match = pattern.match(name)
        if match:
            return replacement.format(place=_BRACKETS.sub("", match["place"]))
    return _TAIL.sub("", name) or name
