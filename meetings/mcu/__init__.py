"""The MCU (the bridge that connects the endpoints' codecs): the driver boundary, a space per meeting,
dial-out and redial, the live call state of every endpoint, and the simulator."""
