"""Command-line tools: `flask seed`, `flask users ...`, `flask endpoints ...`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from meetings.auth import services as users_service
from meetings.auth.models import User
from meetings.auth.roles import ROLES
from meetings.bridge.cli import register_govconf_cli
from meetings.endpoints.models import Endpoint
from meetings.endpoints.reorganisation import apply_province_merge
from meetings.endpoints.seed import seed_demo_contacts, seed_endpoints
from meetings.errors import DomainError, ValidationError
from meetings.extensions import db
from meetings.mcu.cli import register_mcu_cli
from meetings.savings.rates import seed_default_rates
from meetings.scheduler.cli import register_scheduler_cli

DEMO_STAFF = (
    ("admin", "admin", "Quản trị hệ thống"),
    ("booker", "booker", "Văn phòng Bộ – tổ chức hội nghị"),
    ("leader", "leader", "Lãnh đạo Bộ"),
)


def seed_demo_users(password: str) -> int:
    """The demo users of the design: admin, booker, leader and one operator per endpoint."""
    existing = set(db.session.scalars(select(User.username)))
    wanted = [(username, role, name, None) for username, role, name in DEMO_STAFF]
    for code, name in db.session.execute(select(Endpoint.code, Endpoint.name).order_by(Endpoint.code)):
        wanted.append((f"op-{code}", "operator", f"Kỹ thuật viên – {name}", code))
    added = 0
    password_hash = users_service.hash_password(password)  # one hash for all: seeding 70 stays fast
    for username, role, full_name, endpoint_code in wanted:
        if username in existing:
            continue
        endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == endpoint_code)) if endpoint_code else None
        db.session.add(User(username=username, role=role, full_name=full_name, endpoint=endpoint,
                            password_hash=password_hash, is_demo=True))
        added += 1
    db.session.flush()
    return added


def _fail(error: DomainError) -> None:
    details = "; ".join(f"{k}: {v}" for k, v in getattr(error, "fields", {}).items())
    raise click.ClickException(f"{error.message} {details}".strip())


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    @click.argument("what", required=False, type=click.Choice(["demo"]))
    def seed(what: str | None) -> None:
        """Add the endpoints and groups (and with 'demo', the demo users); safe to run again."""
        added = seed_endpoints()
        click.echo(f"Endpoints: {added} added, {db.session.scalar(select(db.func.count(Endpoint.id)))} in all.")
        click.echo(f"Cost rates: {seed_default_rates()} added.")
        if what == "demo":
            if not current_app.config["DEMO_DATA_ALLOWED"]:
                raise click.ClickException("Demo data is never created in production.")
            users_added = seed_demo_users(current_app.config["DEMO_PASSWORD"])
            contacts = seed_demo_contacts()
            click.echo(f"Demo users: {users_added} added; demo contacts: {contacts} filled in.")
            from meetings.stats.demo import seed_demo_history

            click.echo(f"Demo history (held meetings since 2019): {seed_demo_history()} added.")
            from meetings.mcu.demo import seed_demo_call_meeting

            call_meeting = seed_demo_call_meeting()
            if call_meeting is not None:
                db.session.flush()
                click.echo(f"Demo call: meeting {call_meeting.id}, technical test at "
                           f"{call_meeting.test_at:%H:%M} UTC: the MCU dials its endpoints then.")
        db.session.commit()

    users = AppGroup("users", help="Manage user accounts.")

    @users.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--endpoint", "endpoint_code", help="Endpoint code (operators).")
    @click.option("--name", "full_name", default="")
    @click.option("--email", default="")
    @click.password_option(help="The password (asked if not given).")
    def create(username, role, endpoint_code, full_name, email, password):
        """Create a user."""
        try:
            user = users_service.create_user(username=username, password=password, role=role, full_name=full_name,
                                             email=email, endpoint_code=endpoint_code, actor=None)
        except ValidationError as error:
            _fail(error)
        db.session.commit()
        click.echo(f"Created {user.username} ({user.role}).")

    @users.command("token")
    @click.argument("username")
    @click.option("--name", default="cli", help="A label for the token.")
    @click.option("--days", type=int, default=None, help="Lifetime in days (0: never expires).")
    def token(username, name, days):
        """Print a new API bearer token for a user."""
        user = users_service.find_user(username)
        if user is None:
            raise click.ClickException(f"No user {username}.")
        try:
            value = users_service.issue_token(user, name=name, actor=None, days=days)
        except ValidationError as error:
            _fail(error)
        db.session.commit()
        click.echo(value)

    @users.command("deactivate")
    @click.argument("username")
    def deactivate(username):
        """Deactivate a user: every session and token ends at once."""
        user = users_service.find_user(username)
        if user is None:
            raise click.ClickException(f"No user {username}.")
        users_service.set_active(user, False, actor=None)
        db.session.commit()
        click.echo(f"Deactivated {user.username}.")

    app.cli.add_command(users)

    endpoints = AppGroup("endpoints", help="The endpoint registry.")

    @endpoints.command("merge-provinces")
    def merge_provinces():
        """Apply the 2025 reorganisation (63 provinces into 34); safe to run again."""
        report = apply_province_merge(actor=None)
        db.session.commit()
        click.echo(f"{len(report.merged)} merged, {len(report.renamed)} renamed.")

    app.cli.add_command(endpoints)

    savings = AppGroup("savings", help="The savings of held meetings.")

    @savings.command("recompute")
    @click.argument("meeting_ids", nargs=-1, type=int, required=True)
    def recompute_savings(meeting_ids):
        """Store held meetings' savings again, with the rates in force on each meeting's day."""
        from meetings.booking.services import get_meeting
        from meetings.savings.services import recompute

        for meeting_id in meeting_ids:
            try:
                snapshot = recompute(get_meeting(meeting_id), actor=None)
            except DomainError as error:
                _fail(error)
            click.echo(f"Meeting {meeting_id}: {snapshot.total_vnd} VND with the rates of "
                       f"{snapshot.rates_effective_from.isoformat()}.")
        db.session.commit()

    app.cli.add_command(savings)
    register_scheduler_cli(app)
    register_govconf_cli(app)
    register_mcu_cli(app)
