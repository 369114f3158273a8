"""The driver boundary: what the MCU domain asks of a bridge, whatever its make.

One module per make implements `Driver` (CMS first: `meetings.mcu.cms`). `MCU_DRIVER` names the
make; `DRIVERS` maps each name to its module, which exposes `build(config) -> Driver`. Adding Pexip,
Poly RMX or Huawei SMC is one new module and one line here.

Drivers raise only the errors below, so the sweep never sees a transport library's exceptions.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

DRIVERS = {"cms": "meetings.mcu.cms"}

LEG_STATES = ("initial", "ringing", "connected", "onHold")
ALARMS = ("packetLoss", "excessiveJitter", "highRoundTripTime")


class DriverError(Exception):
    """The MCU refused or failed a request; `reason` is the MCU's own code (e.g. coSpaceDoesNotExist)."""

    transient = False

    def __init__(self, message: str, *, reason: str = "error", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status


class NotFoundError(DriverError):
    """The object is not (or no longer) on the MCU: for a removal, the work is done."""


class Unavailable(DriverError):
    """The MCU is busy (503), did not answer in time, answered garbage, or cannot be reached: try again later."""

    transient = True


class AuthError(DriverError):
    """The MCU refused our credentials (401): a configuration problem, not worth retrying soon."""


class ConfigurationError(DriverError):
    """The driver is not configured (no MCU_DRIVER, unknown driver, no MCU_URL)."""


@dataclass(frozen=True)
class Space:
    id: str
    name: str = ""
    uri: str = ""
    call_id: str = ""
    cdr_tag: str = ""


@dataclass(frozen=True)
class Call:
    id: str
    space_id: str = ""
    name: str = ""
    legs: int | None = None
    duration_seconds: int | None = None


@dataclass(frozen=True)
class Leg:
    id: str
    remote_party: str = ""
    original_remote_party: str = ""
    name: str = ""
    call_id: str = ""
    direction: str = ""  # outgoing or incoming ("" when the list did not say)
    owner_id: str = ""
    state: str = ""  # initial, ringing, connected, onHold ("" when the list did not say)
    duration_seconds: int | None = None
    alarms: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SystemStatus:
    software_version: str = ""
    uptime_seconds: int | None = None
    legs_active: int | None = None
    legs_max_active: int | None = None


class Driver(ABC):
    """What the MCU domain needs from a bridge. Every method may raise the errors above."""

    name = "abstract"

    @abstractmethod
    def find_space(self, call_number: str) -> Space | None:
        """The space with this numeric call id, or None."""

    @abstractmethod
    def create_space(self, *, name: str, uri: str, call_number: str, cdr_tag: str, passcode: str = "") -> Space:
        """A new space (the caller has checked that none exists)."""

    def ensure_space(self, *, name: str, uri: str, call_number: str, cdr_tag: str, passcode: str = "") -> Space:
        """The meeting's space: found by its call id (so a lost answer never makes a second one), else created."""
        found = self.find_space(call_number)
        if found is not None:
            if found.name != name[:200]:
                self.rename_space(found.id, name)
            return found
        return self.create_space(name=name, uri=uri, call_number=call_number, cdr_tag=cdr_tag, passcode=passcode)

    @abstractmethod
    def rename_space(self, space_id: str, name: str) -> None: ...

    @abstractmethod
    def remove_space(self, space_id: str) -> None:
        """Remove the space; NotFoundError when it is already gone."""

    @abstractmethod
    def find_call(self, space_id: str) -> Call | None:
        """The active call of the space, or None."""

    @abstractmethod
    def start_call(self, space_id: str) -> Call:
        """Start the space's call, or return the one that is already active."""

    @abstractmethod
    def dial(self, call_id: str, remote_party: str, owner_id: str, dtmf: str | None = None) -> Leg:
        """Dial out from the call; returns the new leg (its state comes later)."""

    @abstractmethod
    def list_legs(self, call_id: str) -> list[Leg]:
        """Every leg of the call, reading page after page until the total."""

    @abstractmethod
    def get_leg(self, leg_id: str) -> Leg:
        """One leg with its state and alarms; NotFoundError once it has ended."""

    @abstractmethod
    def hang_up(self, leg_id: str) -> None:
        """Drop one leg; NotFoundError when it is already gone."""

    @abstractmethod
    def end_call(self, call_id: str) -> None:
        """End the call for everyone; NotFoundError when it is already over."""

    @abstractmethod
    def system_status(self) -> SystemStatus: ...

    @abstractmethod
    def ensure_cdr_receiver(self, url: str) -> bool:
        """Make sure the MCU pushes call records to `url`, exactly once; True when it was added now."""


def build_driver(config: Mapping) -> Driver:
    """The driver that `MCU_DRIVER` names; ConfigurationError when the MCU is off or misconfigured."""
    name = (config.get("MCU_DRIVER") or "").strip().lower()
    if not name:
        raise ConfigurationError("The MCU is off (MCU_DRIVER is empty).", reason="off")
    if name not in DRIVERS:
        raise ConfigurationError(f"Unknown MCU_DRIVER {name!r}; known: {', '.join(sorted(DRIVERS))}.",
                                 reason="unknown_driver")
    if not config.get("MCU_URL"):
        raise ConfigurationError("MCU_DRIVER is set but MCU_URL is empty.", reason="no_url")
    return importlib.import_module(DRIVERS[name]).build(config)


def is_enabled(config: Mapping) -> bool:
    return bool((config.get("MCU_DRIVER") or "").strip())
