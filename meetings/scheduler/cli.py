"""`flask scheduler run` (the one process that runs the sweeps) and `flask jobs list|run <name>`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from meetings.scheduler import registry
from meetings.scheduler.lock import SchedulerAlreadyRunning, scheduler_lock
from meetings.scheduler.runner import build_scheduler, run_sweep


def _describe(sweeps) -> str:
    return ", ".join(f"{sweep.name} (every {sweep.interval_seconds} s)" for sweep in sweeps)


def _serve(app: Flask, sweeps) -> None:
    """Hold the lock and run the sweeps until stopped; raises SchedulerAlreadyRunning."""
    with scheduler_lock(app) as still_held:
        scheduler = build_scheduler(app, sweeps, still_held=still_held)
        click.echo(f"Scheduler started: {_describe(sweeps)}.")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            if scheduler.running:
                scheduler.shutdown(wait=False)
        if not still_held():
            raise click.ClickException("The scheduler lock was lost; stopped so that only one scheduler runs.")


def register_scheduler_cli(app: Flask) -> None:
    scheduler_group = AppGroup("scheduler", help="The scheduler process.")

    @scheduler_group.command("run")
    def run_scheduler() -> None:
        """Run every sweep on its interval until stopped; exits if another scheduler is running."""
        try:
            _serve(current_app._get_current_object(), registry.all_sweeps())
        except SchedulerAlreadyRunning as error:
            raise click.ClickException(str(error)) from None
        click.echo("Scheduler stopped.")

    jobs_group = AppGroup("jobs", help="The scheduler's sweeps, run by hand.")

    @jobs_group.command("list")
    def list_jobs() -> None:
        """List the sweeps and their intervals."""
        for sweep in registry.all_sweeps():
            click.echo(f"{sweep.name}\tevery {sweep.interval_seconds} s")

    @jobs_group.command("run")
    @click.argument("name")
    def run_job(name: str) -> None:
        """Run one sweep once, now (safe while the scheduler runs: sweeps claim their work)."""
        sweeps = {sweep.name: sweep for sweep in registry.all_sweeps()}
        if name not in sweeps:
            raise click.ClickException(f"Unknown job {name!r}. Jobs: {', '.join(sorted(sweeps))}.")
        handled = run_sweep(current_app._get_current_object(), sweeps[name])
        if handled is None:
            raise click.ClickException(f"{name} failed and was rolled back; the error is in the log.")
        click.echo(f"{name}: {handled} handled.")

    app.cli.add_command(scheduler_group)
    app.cli.add_command(jobs_group)
