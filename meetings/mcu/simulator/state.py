"""The simulated MCU's state: spaces, calls and legs that ring and connect over time, CDR receivers, the
call records waiting to be pushed, and the faults an operator asked for.

Everything is guarded by one lock; time moves when `tick()` runs (the server's clock thread calls it).
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape

MAX_RECEIVERS = 4


@dataclass
class Faults:
    """Faults on demand. `busy` and `unreachable` key on the dialled remote party."""

    error_rate: float = 0.0  # share of API requests answered 503
    busy: dict[str, int] = field(default_factory=dict)  # remote party → times it is busy before it answers
    unreachable: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    drop_after: dict[str, float] = field(default_factory=dict)  # remote party → seconds connected, then dropped once
    lose_answers: int = 0  # the next N dials create their leg but the answer is lost
    duplicate_rate: float = 0.0  # share of call records pushed twice
    reorder: bool = False  # push each batch of records in a shuffled order
    latency: float = 0.0  # seconds added to every API answer
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def describe(self) -> dict:
        return {"error_rate": self.error_rate, "busy": dict(self.busy), "unreachable": sorted(self.unreachable),
                "rejected": sorted(self.rejected), "drop_after": dict(self.drop_after),
                "lose_answers": self.lose_answers, "duplicate_rate": self.duplicate_rate, "reorder": self.reorder,
                "latency": self.latency}


@dataclass
class SimSpace:
    id: str
    name: str
    uri: str
    call_id: str
    cdr_tag: str = ""
    passcode: str = ""


@dataclass
class SimCall:
    id: str
    space_id: str
    name: str
    correlator: str
    started: float
    legs_completed: int = 0
    max_active: int = 0


@dataclass
class SimLeg:
    id: str
    call_id: str
    remote_party: str
    owner_id: str
    direction: str
    created: float
    state: str = "initial"
    fate: str = "answer"  # answer, busy, unreachable, rejected
    ring_at: float = 0.0
    settle_at: float = 0.0  # when it connects (answer) or ends (any other fate)
    connected_at: float | None = None
    drop_at: float | None = None
    dtmf: str = ""
    alarms: list[str] = field(default_factory=list)
    name: str = ""


def _now_iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Mcu:
    """A Cisco Meeting Server as far as the contract goes."""

    def __init__(self, *, faults: Faults | None = None, ring_seconds: float = 0.6, answer_seconds: float = 1.2,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time):
        self.lock = threading.RLock()
        self.faults = faults or Faults()
        self.ring_seconds = ring_seconds
        self.answer_seconds = answer_seconds
        self.clock = clock
        self.wall = wall
        self.spaces: dict[str, SimSpace] = {}
        self.calls: dict[str, SimCall] = {}
        self.legs: dict[str, SimLeg] = {}
        self.receivers: dict[str, str] = {}
        self.call_bridge = str(uuid.uuid4())
        self.session = str(uuid.uuid4())
        self.record_index = 1000
        self.correlator_index = 5000
        self.outbox: deque[str] = deque()  # record XML, in the order they happened
        self.pushed: list[str] = []  # every record handed to a receiver at least once (for tests)
        self.dials: list[dict] = []  # every dial request that created a leg: remote party, owner, dtmf
        self.requests = 0
        self.faulted = 0
        self.started = self.clock()

    # ---- records --------------------------------------------------------------------------------

    def _record(self, kind: str, body: str) -> None:
        self.record_index += 1
        self.correlator_index += 1
        self.outbox.append(f'<record type="{kind}" time="{_now_iso(self.wall())}" recordIndex="{self.record_index}" '
                           f'correlatorIndex="{self.correlator_index}">{body}</record>')

    def records_document(self, records: list[str]) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8"?><records session="{self.session}" '
                f'callBridge="{self.call_bridge}">' + "".join(records) + "</records>")

    def take_records(self, limit: int = 50) -> list[str]:
        """The next records to push (they stay queued until `records_delivered`)."""
        with self.lock:
            batch = list(self.outbox)[:limit]
        extra = [record for record in batch if self.faults.rng.random() < self.faults.duplicate_rate]
        batch = batch + extra
        if self.faults.reorder:
            self.faults.rng.shuffle(batch)
        return batch

    def records_delivered(self, count: int) -> None:
        with self.lock:
            for _ in range(min(count, len(self.outbox))):
                self.pushed.append(self.outbox.popleft())

    # ---- spaces ---------------------------------------------------------------------------------

    def create_space(self, name: str, uri: str, call_id: str, cdr_tag: str, passcode: str) -> SimSpace | str:
        with self.lock:
            for space in self.spaces.values():
                if uri and space.uri == uri:
                    return "duplicateCoSpaceUri"
                if call_id and space.call_id == call_id:
                    return "duplicateCoSpaceId"
            space = SimSpace(id=str(uuid.uuid4()), name=name, uri=uri, call_id=call_id, cdr_tag=cdr_tag,
                             passcode=passcode)
            self.spaces[space.id] = space
            return space

    def remove_space(self, space_id: str) -> bool:
        with self.lock:
            if space_id not in self.spaces:
                return False
            for call in [c for c in self.calls.values() if c.space_id == space_id]:
                self.end_call(call.id)
            del self.spaces[space_id]
            return True

    # ---- calls ----------------------------------------------------------------------------------

    def start_call(self, space_id: str) -> SimCall | None:
        with self.lock:
            space = self.spaces.get(space_id)
            if space is None:
                return None
            call = SimCall(id=str(uuid.uuid4()), space_id=space_id, name=space.name, correlator=str(uuid.uuid4()),
                           started=self.clock())
            self.calls[call.id] = call
            self._record("callStart", f'<call id="{call.id}"><name>{escape(space.name)}</name><ownerName/>'
                                      f"<callType>coSpace</callType><coSpace>{space.id}</coSpace>"
                                      f"<callCorrelator>{call.correlator}</callCorrelator>"
                                      f"<cdrTag>{escape(space.cdr_tag)}</cdrTag></call>")
            return call

    def end_call(self, call_id: str) -> bool:
        with self.lock:
            call = self.calls.get(call_id)
            if call is None:
                return False
            for leg in [leg for leg in self.legs.values() if leg.call_id == call_id]:
                self._end_leg(leg, "localTeardown", record=False)
            duration = int(self.clock() - call.started)
            self._record("callEnd", f'<call id="{call.id}"><callLegsCompleted>{call.legs_completed}'
                                    f"</callLegsCompleted><callLegsMaxActive>{call.max_active}</callLegsMaxActive>"
                                    f"<durationSeconds>{duration}</durationSeconds></call>")
            del self.calls[call_id]
            return True

    # ---- legs -----------------------------------------------------------------------------------

    def _fate(self, remote_party: str) -> str:
        if remote_party in self.faults.unreachable:
            return "unreachable"
        if remote_party in self.faults.rejected:
            return "rejected"
        if self.faults.busy.get(remote_party, 0) > 0:
            self.faults.busy[remote_party] -= 1
            return "busy"
        return "answer"

    def dial(self, call_id: str, remote_party: str, owner_id: str, dtmf: str = "") -> SimLeg | None:
        with self.lock:
            call = self.calls.get(call_id)
            if call is None:
                return None
            now = self.clock()
            fate = self._fate(remote_party)
            leg = SimLeg(id=str(uuid.uuid4()), call_id=call_id, remote_party=remote_party, owner_id=owner_id,
                         direction="outgoing", created=now, fate=fate, dtmf=dtmf,
                         ring_at=now + (0.05 if fate == "unreachable" else self.ring_seconds),
                         settle_at=now + (0.1 if fate == "unreachable" else self.ring_seconds + self.answer_seconds))
            self.legs[leg.id] = leg
            self.dials.append({"leg": leg.id, "remote_party": remote_party, "owner_id": owner_id, "dtmf": dtmf})
            self._leg_start(leg, call)
            return leg

    def dial_in(self, space_uri: str, remote_party: str, name: str = "") -> SimLeg | None:
        """An endpoint dials the space's URI itself: an incoming leg, connected at once."""
        with self.lock:
            space = next((s for s in self.spaces.values() if s.uri == space_uri.split("@")[0]), None)
            call = next((c for c in self.calls.values() if space and c.space_id == space.id), None)
            if call is None:
                return None
            now = self.clock()
            leg = SimLeg(id=str(uuid.uuid4()), call_id=call.id, remote_party=remote_party, owner_id="",
                         direction="incoming", created=now, fate="answer", ring_at=now, settle_at=now, name=name)
            self.legs[leg.id] = leg
            self._leg_start(leg, call)
            self._connect(leg, now)
            return leg

    def _leg_start(self, leg: SimLeg, call: SimCall) -> None:
        owner = f"<ownerId>{escape(leg.owner_id)}</ownerId>" if leg.owner_id else ""
        self._record("callLegStart", f'<callLeg id="{leg.id}"><displayName>{escape(leg.name or leg.remote_party)}'
                                     f"</displayName><remoteParty>{escape(leg.remote_party)}</remoteParty>"
                                     f"<localAddress>{escape(self.spaces[call.space_id].uri)}</localAddress>"
                                     f"<type>sip</type><direction>{leg.direction}</direction>"
                                     f"<call>{call.id}</call>{owner}</callLeg>")

    def _connect(self, leg: SimLeg, now: float) -> None:
        leg.state, leg.connected_at = "connected", now
        if leg.remote_party in self.faults.drop_after:
            leg.drop_at = now + self.faults.drop_after.pop(leg.remote_party)
        call = self.calls[leg.call_id]
        call.max_active = max(call.max_active, sum(1 for x in self.legs.values() if x.call_id == call.id))
        self._record("callLegUpdate", f'<callLeg id="{leg.id}"><state>connected</state><call>{leg.call_id}</call>'
                                      f"<deactivated>false</deactivated></callLeg>")

    def _end_leg(self, leg: SimLeg, reason: str, *, record: bool = True) -> None:
        duration = int(self.clock() - leg.connected_at) if leg.connected_at is not None else 0
        self._record("callLegEnd", f'<callLeg id="{leg.id}"><reason>{reason}</reason>'
                                   f"<remoteTeardown>{'true' if reason == 'remoteTeardown' else 'false'}"
                                   f"</remoteTeardown><durationSeconds>{duration}</durationSeconds></callLeg>")
        call = self.calls.get(leg.call_id)
        if call is not None:
            call.legs_completed += 1
        self.legs.pop(leg.id, None)

    def hang_up(self, leg_id: str) -> bool:
        with self.lock:
            leg = self.legs.get(leg_id)
            if leg is None:
                return False
            self._end_leg(leg, "localTeardown")
            return True

    def drop(self, remote_party: str) -> int:
        """Every live leg to this party drops, as if the room's codec hung up."""
        with self.lock:
            legs = [leg for leg in self.legs.values() if leg.remote_party == remote_party]
            for leg in legs:
                self._end_leg(leg, "remoteTeardown")
            return len(legs)

    def set_alarms(self, remote_party: str, alarms: list[str]) -> int:
        with self.lock:
            legs = [leg for leg in self.legs.values() if leg.remote_party == remote_party]
            for leg in legs:
                leg.alarms = list(alarms)
            return len(legs)

    def tick(self) -> None:
        """Move every leg along: initial → ringing → connected, or ended by its fate; scheduled drops."""
        reasons = {"busy": "remoteBusy", "unreachable": "unknownDestination", "rejected": "remoteRejected"}
        with self.lock:
            now = self.clock()
            for leg in list(self.legs.values()):
                if leg.state == "initial" and now >= leg.ring_at and leg.fate != "unreachable":
                    leg.state = "ringing"
                if leg.state in ("initial", "ringing") and now >= leg.settle_at:
                    if leg.fate == "answer":
                        self._connect(leg, now)
                    else:
                        self._end_leg(leg, reasons[leg.fate])
                elif leg.state == "connected" and leg.drop_at is not None and now >= leg.drop_at:
                    self._end_leg(leg, "remoteTeardown")

    def live_legs(self, remote_party: str | None = None) -> list[SimLeg]:
        with self.lock:
            return [leg for leg in self.legs.values() if remote_party is None or leg.remote_party == remote_party]

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "spaces": [vars(space) for space in self.spaces.values()],
                "calls": [{"id": c.id, "coSpace": c.space_id, "name": c.name} for c in self.calls.values()],
                "legs": [{"id": leg.id, "call": leg.call_id, "remoteParty": leg.remote_party, "ownerId": leg.owner_id,
                          "direction": leg.direction, "state": leg.state, "dtmf": leg.dtmf, "alarms": leg.alarms}
                         for leg in self.legs.values()],
                "receivers": dict(self.receivers), "records_waiting": len(self.outbox),
                "records_pushed": len(self.pushed), "record_index": self.record_index,
                "requests": self.requests, "faulted": self.faulted, "faults": self.faults.describe(),
                "dials": list(self.dials),
            }
