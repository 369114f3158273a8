"""Writing the MCU's call detail records as it pushes them, for the tests and the benchmark."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

CALL_BRIDGE = "04aec22b-20bb-4e71-b5bc-3e82279fb4ac"


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Script:
    """The records of one call, in the order the MCU writes them (rising recordIndex)."""

    meeting_id: int | None
    call_bridge: str = CALL_BRIDGE
    call_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    first_index: int = 86556
    session: str = field(default_factory=lambda: str(uuid.uuid4()))
    records: list[tuple[int, str]] = field(default_factory=list)

    def _add(self, kind: str, moment: datetime, body: str) -> int:
        index = self.first_index + len(self.records)
        self.records.append((index, f'<record type="{kind}" time="{_time(moment)}" recordIndex="{index}" '
                                    f'correlatorIndex="{index + 100000}">{body}</record>'))
        return index

    def call_start(self, moment: datetime, name: str = "Giao ban trực tuyến") -> int:
        tag = f"<cdrTag>meeting:{self.meeting_id}</cdrTag>" if self.meeting_id is not None else "<cdrTag/>"
        return self._add("callStart", moment, f'<call id="{self.call_id}"><name>{escape(name)}</name><ownerName/>'
                                             f'<callType>coSpace</callType><coSpace>{uuid.uuid4()}</coSpace>'
                                             f'<callCorrelator>{uuid.uuid4()}</callCorrelator>{tag}</call>')

    def leg_start(self, leg: str, moment: datetime, *, remote: str, owner: str | None = None,
                  direction: str = "outgoing", name: str = "") -> int:
        owner_xml = f"<ownerId>{escape(owner)}</ownerId>" if owner else ""
        return self._add("callLegStart", moment, f'<callLeg id="{leg}"><displayName>{escape(name)}</displayName>'
                                                f'<remoteParty>{escape(remote)}</remoteParty>'
                                                f'<localAddress>btp@mcu.moj.gov.vn</localAddress><type>sip</type>'
                                                f'<direction>{direction}</direction><call>{self.call_id}</call>'
                                                f'{owner_xml}</callLeg>')

    def leg_update(self, leg: str, moment: datetime, state: str = "connected") -> int:
        return self._add("callLegUpdate", moment, f'<callLeg id="{leg}"><state>{state}</state>'
                                                 f'<call>{self.call_id}</call><deactivated>false</deactivated>'
                                                 f'</callLeg>')

    def leg_end(self, leg: str, moment: datetime, reason: str = "remoteTeardown") -> int:
        return self._add("callLegEnd", moment, f'<callLeg id="{leg}"><reason>{reason}</reason>'
                                              f'<remoteTeardown>{"true" if reason == "remoteTeardown" else "false"}'
                                              f'</remoteTeardown><durationSeconds>0</durationSeconds></callLeg>')

    def call_end(self, moment: datetime) -> int:
        return self._add("callEnd", moment, f'<call id="{self.call_id}"><callLegsCompleted>0</callLegsCompleted>'
                                           f'<callLegsMaxActive>0</callLegsMaxActive>'
                                           f'<durationSeconds>0</durationSeconds></call>')

    def other(self, moment: datetime, kind: str = "recordingStart") -> int:
        return self._add(kind, moment, f'<recording id="{uuid.uuid4()}"><call>{self.call_id}</call></recording>')

    def xml(self, records: list[tuple[int, str]] | None = None, *, declaration: bool = True) -> bytes:
        """One <records> document holding these records (all of them by default)."""
        chosen = self.records if records is None else records
        head = '<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else ""
        body = "".join(text for _, text in chosen)
        return (f'{head}<records session="{self.session}" callBridge="{self.call_bridge}">{body}</records>\n'
                ).encode()

    def batches(self, size: int) -> list[bytes]:
        return [self.xml(self.records[start:start + size]) for start in range(0, len(self.records), size)]


def legs_id() -> str:
    return str(uuid.uuid4())


def at(start: datetime, minutes: float) -> datetime:
    return start + timedelta(minutes=minutes)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE records [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<records callBridge="x"><record type="callStart" time="2026-01-01T00:00:00Z" recordIndex="1">
<call id="c"><name>&lol9;</name></call></record></records>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE records [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<records callBridge="x"><record type="callStart" time="2026-01-01T00:00:00Z" recordIndex="1">
<call id="c"><name>&secret;</name></call></record></records>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE records SYSTEM "http://127.0.0.1:9/evil.dtd">
<records callBridge="x"/>
"""
