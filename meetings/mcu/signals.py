"""Signals inside the MCU domain."""
from __future__ import annotations

from blinker import signal

leg_recorded = signal("mcu-leg-recorded", doc="""A call record about one leg was processed (duplicates are not sent).

Keywords: meeting_id (int or None), call_id, leg_id, endpoint_code (str or None), remote_party, direction
("outgoing", "incoming" or None), event ("started", "connected" or "ended"), reason (callLegEnd reason or None),
connected (bool: the leg connected at some point), at (aware UTC datetime).""")
