from blinker import signal

leg_recorded = signal("mcu-leg-recorded")
