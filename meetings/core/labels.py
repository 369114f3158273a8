"""Human names of the codes shown in the interface, translated. The statuses of each domain are named next to
their enums (e.g. meetings.booking.labels), whose template helpers the application factory adds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "booker": _l("Booker (meeting office)"),
    "operator": _l("Endpoint operator"),
    "leader": _l("Leader"),
}

KIND_LABELS = {
    "hq": _l("Headquarters"),
    "enforcement": _l("Civil judgment enforcement"),
    "law_school": _l("Law school"),
    "southern_office": _l("Southern Affairs Department"),
    "government": _l("Government"),
    "other": _l("Other"),
}

CHANNEL_LABELS = {"web": _l("on the web"), "api": _l("through the API"), "link": _l("by the e-mail link"),
                  "mcu": _l("by the MCU")}

TRAVEL_LABELS = {"road": _l("Road"), "air": _l("Air")}

REGION_LABELS = {"north": _l("North"), "central": _l("Central"), "south": _l("South")}

SUBREGION_LABELS = {
    "red_river_delta": _l("Red River Delta"),
    "northeast": _l("North East"),
    "northwest": _l("North West"),
    "north_central_coast": _l("North Central Coast"),
    "south_central_coast": _l("South Central Coast"),
    "central_highlands": _l("Central Highlands"),
    "southeast": _l("South East"),
    "mekong_delta": _l("Mekong River Delta"),
}


def label(mapping: dict, code: str | None) -> str:
    return str(mapping.get(code, code or ""))


def template_labels() -> dict:
    return {
        "role_label": lambda code: label(ROLE_LABELS, code),
        "kind_label": lambda code: label(KIND_LABELS, code),
        "region_label": lambda code: label(REGION_LABELS, code),
        "subregion_label": lambda code: label(SUBREGION_LABELS, code),
        "travel_label": lambda code: label(TRAVEL_LABELS, code),
        "channel_label": lambda code: label(CHANNEL_LABELS, code),
    }
