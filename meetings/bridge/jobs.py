"""The bridge's scheduled sweeps: deliver the outbox, pull the government conferences."""
from __future__ import annotations

from meetings.bridge.delivery import deliver_outbox
from meetings.bridge.inbound import pull_government
from meetings.scheduler.sweep import Sweep

SWEEPS = [Sweep("deliver-outbox", deliver_outbox, 15), Sweep("pull-government", pull_government, 120)]
