"""`flask govconf simulate` (the simulated government system) and `flask govconf pull`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from meetings.database import utcnow
from meetings.extensions import db


def register_govconf_cli(app: Flask) -> None:
    group = AppGroup("govconf", help="The bridge to the government conference system.")

    @group.command("simulate")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8089, type=int, show_default=True)
    @click.option("--error-rate", default=0.0, type=click.FloatRange(0, 1), show_default=True,
                  help="Share of requests that get a fault.")
    @click.option("--faults", default="error,drop,429,garbage,slow", show_default=True,
                  help="Fault kinds to draw from: error, drop, 429, garbage, slow.")
    @click.option("--latency", default=0.0, type=float, show_default=True, help="Seconds added to every answer.")
    @click.option("--slow-seconds", default=15.0, type=float, show_default=True, help="Delay of a 'slow' fault.")
    @click.option("--retry-after", default=1, type=int, show_default=True, help="Retry-After of an injected 429.")
    @click.option("--capacity", default=10, type=int, show_default=True,
                  help="Conferences the network can carry at once (more: 409 capacity).")
    @click.option("--rate-limit", default=10, type=int, show_default=True, help="Requests a second per key (0: off).")
    @click.option("--invitations", default=3, type=int, show_default=True,
                  help="Government conferences inviting the Ministry, made at start.")
    def simulate(host, port, error_rate, faults, latency, slow_seconds, retry_after, capacity, rate_limit, invitations):
        """Serve the government system's API (docs/govconf.md) with its checks, and faults on demand."""
        from meetings.bridge.simulator.app import Faults
        from meetings.bridge.simulator.server import build_simulator, serve

        config = current_app.config
        try:
            plan = Faults(rate=error_rate, kinds=tuple(k.strip() for k in faults.split(",") if k.strip()),
                          latency=latency, slow_seconds=slow_seconds, retry_after=retry_after)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--faults") from None
        simulator = build_simulator(key_id=config["GOVCONF_KEY_ID"], secret=config["GOVCONF_SECRET"],
                                    site=config["GOVCONF_SITE"], capacity=capacity, faults=plan,
                                    rate_limit=rate_limit, invitations=invitations)
        server = serve(simulator, host, port)
        click.echo(f"Government system simulator on http://{host}:{server.server_port} "
                   f"(key {config['GOVCONF_KEY_ID']}, site {config['GOVCONF_SITE']}, {invitations} invitation(s), "
                   f"faults {error_rate:.0%}). Ctrl+C stops it.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    @group.command("pull")
    def pull() -> None:
        """Pull the invitations changed since the last pull, now."""
        from meetings.bridge.inbound import pull_government

        if not current_app.config["GOVCONF_URL"]:
            raise click.ClickException("GOVCONF_URL is not set: the bridge is off.")
        handled = pull_government(utcnow())
        db.session.commit()
        click.echo(f"{handled} invitation(s) new or changed.")

    app.cli.add_command(group)
