"""`flask mcu simulate` (the simulated MCU), `flask mcu status` and `flask mcu sweep`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from meetings.database import utcnow
from meetings.extensions import db


def _pairs(values: tuple[str, ...], option: str) -> dict[str, float]:
    pairs = {}
    for value in values:
        party, _, number = value.rpartition(":")
        if not party or not number:
            raise click.BadParameter(f"{value!r}: use DIAL_STRING:NUMBER", param_hint=option)
        try:
            pairs[party] = float(number)
        except ValueError:
            raise click.BadParameter(f"{value!r}: {number!r} is not a number", param_hint=option) from None
    return pairs


def register_mcu_cli(app: Flask) -> None:
    group = AppGroup("mcu", help="The MCU: its simulator, its state, one sweep by hand.")

    @group.command("simulate")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8090, type=int, show_default=True)
    @click.option("--username", default=None, help="The API user (default: MCU_USERNAME, else 'admin').")
    @click.option("--password", default=None, help="Its password (default: MCU_PASSWORD, else 'admin').")
    @click.option("--error-rate", default=0.0, type=click.FloatRange(0, 1), show_default=True,
                  help="Share of API requests answered 503.")
    @click.option("--busy", multiple=True, metavar="DIAL_STRING:N", help="Busy N times, then answers (repeatable).")
    @click.option("--unreachable", multiple=True, metavar="DIAL_STRING", help="Never reachable (repeatable).")
    @click.option("--rejected", multiple=True, metavar="DIAL_STRING", help="Always rejects the call (repeatable).")
    @click.option("--drop", multiple=True, metavar="DIAL_STRING:SECONDS",
                  help="Drops once, SECONDS after it connected (repeatable).")
    @click.option("--lose-answers", default=0, type=int, show_default=True,
                  help="The next N dials create their leg but the answer is lost.")
    @click.option("--duplicate-rate", default=0.0, type=click.FloatRange(0, 1), show_default=True,
                  help="Share of call records pushed twice.")
    @click.option("--reorder", is_flag=True, help="Push each batch of call records in a shuffled order.")
    @click.option("--ring-seconds", default=1.0, type=float, show_default=True)
    @click.option("--answer-seconds", default=1.5, type=float, show_default=True)
    @click.option("--seed", default=None, type=int, help="Seed of the fault dice.")
    def simulate(host, port, username, password, error_rate, busy, unreachable, rejected, drop, lose_answers,
                 duplicate_rate, reorder, ring_seconds, answer_seconds, seed):
        """Serve the MCU's API subset (docs/mcu.md) with faults on demand; admin API under /_sim."""
        from meetings.mcu.simulator.server import Engine, build_simulator, serve
        from meetings.mcu.simulator.state import Faults

        config = current_app.config
        username = username or config.get("MCU_USERNAME") or "admin"
        password = password or config.get("MCU_PASSWORD") or "admin"
        faults = Faults(error_rate=error_rate, busy={k: int(v) for k, v in _pairs(busy, "--busy").items()},
                        unreachable=set(unreachable), rejected=set(rejected), drop_after=_pairs(drop, "--drop"),
                        lose_answers=lose_answers, duplicate_rate=duplicate_rate, reorder=reorder, seed=seed)
        app, mcu = build_simulator(username=username, password=password, faults=faults, ring_seconds=ring_seconds,
                                   answer_seconds=answer_seconds)
        server = serve(app, host, port)
        engine = Engine(mcu)
        engine.start()
        click.echo(f"MCU simulator on http://{host}:{server.server_port} (API user {username}, "
                   f"503s {error_rate:.0%}; faults: POST /_sim/faults, state: GET /_sim/state). Ctrl+C stops it.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            engine.stop()
            server.server_close()

    @group.command("status")
    def status() -> None:
        """Ask the MCU for its health and list the receivers of its call records."""
        from meetings.mcu.driver import DriverError, build_driver

        try:
            driver = build_driver(current_app.config)
            health = driver.system_status()
        except DriverError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"MCU {current_app.config['MCU_URL']}: version {health.software_version}, "
                   f"up {health.uptime_seconds} s, {health.legs_active}/{health.legs_max_active} legs active.")

    @group.command("sweep")
    def sweep() -> None:
        """Run the mcu sweep once, now."""
        from meetings.mcu.sweep import run_mcu_sweep

        if not current_app.config["MCU_DRIVER"]:
            raise click.ClickException("MCU_DRIVER is not set: the MCU is off.")
        done = run_mcu_sweep(utcnow())
        db.session.commit()
        click.echo(f"mcu: {done} action(s) carried out.")

    app.cli.add_command(group)
