"""The notify domain's scheduled sweeps."""
from meetings.notify.delivery import send_due_mail
from meetings.scheduler.sweep import Sweep

SWEEPS = [Sweep("send-mail", send_due_mail, 30)]
