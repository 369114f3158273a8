"""The application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from meetings.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict) -> Flask:
    """Build the application from a settings mapping (config.load_config() gives one)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(config)
    app.json.ensure_ascii = False
    _guard_inputs(app)
    _prepare_sqlite_folder(app)
    _init_extensions(app)
    _connect_listeners()
    _register_blueprints(app)
    _register_sweeps(app)

    from meetings.auth.web import register_auth_hooks
    from meetings.cli import register_cli
    from meetings.core.transaction import install_commit_boundary
    from meetings.core.web import register_web_hooks
    from meetings.errors import register_error_handlers

    register_auth_hooks(app)  # sign-in and access checks run before every other request hook
    register_web_hooks(app)
    _register_status_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    install_commit_boundary(app)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return app


def _guard_inputs(app: Flask) -> None:
    """Bounded integer ids (registered before any route) and JSON that cannot be nested past the parser."""
    from meetings.core.inputs import BoundedIntegerConverter, GuardedRequest

    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = GuardedRequest


def _prepare_sqlite_folder(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from flask_bootstrap import Bootstrap5

    from meetings.core.i18n import select_locale, select_timezone

    db.init_app(app)
    idle_seconds = app.config.get("DATABASE_PING_IDLE_SECONDS")
    if idle_seconds and not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        from meetings.database import ping_when_idle

        with app.app_context():
            ping_when_idle(db.engine, idle_seconds)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    limiter.init_app(app)
    Bootstrap5(app)
    # Models must be imported before migrations or queries see the metadata.
    import meetings.attendance.models  # noqa: F401
    import meetings.auth.models  # noqa: F401
    import meetings.booking.models  # noqa: F401
    import meetings.bridge.models  # noqa: F401
    import meetings.endpoints.models  # noqa: F401
    import meetings.mcu.attendance_from_calls  # noqa: F401
    import meetings.mcu.models  # noqa: F401
    import meetings.mcu.records  # noqa: F401
    import meetings.notify.models  # noqa: F401
    import meetings.readiness.models  # noqa: F401
    import meetings.savings.models  # noqa: F401
    import meetings.stats.models  # noqa: F401


def _register_status_helpers(app: Flask) -> None:
    """The status enums and their translated names, for every template."""
    from meetings.attendance.labels import template_helpers as attendance_helpers
    from meetings.booking.labels import template_helpers as booking_helpers
    from meetings.readiness.labels import template_helpers as readiness_helpers

    for helpers in (booking_helpers, readiness_helpers, attendance_helpers):
        app.context_processor(helpers)


def _connect_listeners() -> None:
    """Each domain's listeners of the domain events (meetings.core.events) connect when imported."""
    import meetings.bridge.events  # noqa: F401
    import meetings.mcu.listeners  # noqa: F401
    import meetings.notify.events  # noqa: F401
    import meetings.savings.events  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    # Each domain's api.py adds its JSON routes to the one /api/v1 blueprint (meetings.core.api).
    import meetings.attendance.api  # noqa: F401
    import meetings.auth.api  # noqa: F401
    import meetings.booking.api  # noqa: F401
    import meetings.endpoints.api  # noqa: F401
    import meetings.mcu.api  # noqa: F401
    import meetings.readiness.api  # noqa: F401
    import meetings.savings.api  # noqa: F401
    import meetings.stats.api  # noqa: F401
    from meetings.api.views import bp as api_bp
    from meetings.attendance.views import bp as attendance_bp
    from meetings.auth.views import bp as auth_bp
    from meetings.booking.ical_views import bp as ical_bp
    from meetings.booking.views import bp as booking_bp
    from meetings.bridge.views import bp as bridge_bp
    from meetings.endpoints.views import bp as endpoints_bp
    from meetings.home.views import bp as core_bp
    from meetings.mcu.receiver import bp as mcu_cdr_bp
    from meetings.mcu.views import bp as mcu_bp
    from meetings.notify.views import bp as notify_bp
    from meetings.readiness.views import bp as readiness_bp
    from meetings.savings.views import bp as savings_bp
    from meetings.stats.views import bp as stats_bp

    for blueprint in (core_bp, auth_bp, endpoints_bp, booking_bp, ical_bp, notify_bp, bridge_bp, readiness_bp,
                      attendance_bp, savings_bp, stats_bp, mcu_bp, mcu_cdr_bp, api_bp):
        app.register_blueprint(blueprint)


def _register_sweeps(app: Flask) -> None:
    from meetings.booking.jobs import SWEEPS as booking_sweeps
    from meetings.bridge.jobs import SWEEPS as bridge_sweeps
    from meetings.mcu.cdr_jobs import SWEEPS as mcu_cdr_sweeps
    from meetings.mcu.jobs import SWEEPS as mcu_sweeps
    from meetings.notify.jobs import SWEEPS as notify_sweeps
    from meetings.readiness.jobs import SWEEPS as readiness_sweeps
    from meetings.scheduler.registry import register_sweeps

    register_sweeps(app, booking_sweeps, notify_sweeps, bridge_sweeps, readiness_sweeps, mcu_sweeps, mcu_cdr_sweeps)
