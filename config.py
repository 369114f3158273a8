"""Configuration classes. Every setting can be overridden by an environment variable."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

INSECURE_SECRET_KEYS = {"", "dev", "change-me", "dev-insecure-key-only-for-local-use"}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_minutes(name: str) -> tuple[int, ...]:
    """A comma-separated list of minutes, e.g. READINESS_REMINDER_OFFSETS=1440,120."""
    values = tuple(int(part) for part in os.environ[name].split(",") if part.strip())
    if not values or any(value <= 0 for value in values):
        raise RuntimeError(f"{name} must list positive numbers of minutes, e.g. 1440,120.")
    return values


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_verify(name: str, default: bool | str) -> bool | str:
    """TLS verification: on/off, or the path of a CA bundle."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    return value.strip()


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = "dev-insecure-key-only-for-local-use"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'meetings.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # With pool_pre_ping off (production), a pooled connection idle this long is checked before use.
    DATABASE_PING_IDLE_SECONDS = 30

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    MINISTRY_TIMEZONE = "Asia/Ho_Chi_Minh"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_HOURS = 12
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_CHECK_DEFAULT = False  # checked in meetings.core.web, after the access rules

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT = "10 per minute"

    # Argon2id cost: OWASP's minimum recommendation (19 MiB, 2 passes).
    PASSWORD_HASH_MEMORY_KIB = 19456
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_MIN_LENGTH = 8
    API_TOKEN_DAYS = 90

    SETUP_MINUTES = 30  # set-up buffer an endpoint keeps free after each meeting
    MCU_PORTS = 120  # endpoints the MCU can connect at once
    MAX_OCCURRENCES = 100
    TEST_MINUTES_BEFORE = 60  # the technical test, before the start
    WORKDAY_START = "07:30"  # the scheduling assistant's day (Hà Nội time, 24-hour)
    WORKDAY_END = "17:30"
    DEFAULT_HOST = "moj-hq"
    DEFAULT_ATTENDEES = {"hq": 20, "enforcement": 8, "law_school": 10, "southern_office": 10,
                         "government": 10, "other": 5}

    DEMO_PASSWORD = "demo12345"
    DEMO_DATA_ALLOWED = True
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    CDR_MAX_BYTES = 2 * 1024 * 1024  # a call-detail-record CSV; larger uploads are refused with a message
    CDR_MAX_ROWS = 20000
    CDR_PRESENT_PERCENT = 75  # connected this share of the meeting: present; less: partial
    PAGE_SIZE = 50

    # Outgoing mail. An empty MAIL_SERVER stores messages as `logged` (read in /admin/mail) instead.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_FROM = "Hội nghị trực tuyến Bộ Tư pháp <hoinghi@moj.gov.vn>"
    MAIL_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 6
    PUBLIC_URL = "http://127.0.0.1:5000"  # how links in e-mails reach the application

    # Readiness: reminders to pending endpoints (minutes before the start), the booker's alert, signed links,
    # the board's polling, the technical test slot and the automatic probes.
    READINESS_REMINDER_OFFSETS = (1440, 120)
    READINESS_ESCALATION_MINUTES = 60
    READINESS_LINK_DAYS = 60
    READINESS_POLL_SECONDS = 5
    READINESS_TEST_EARLY_MINUTES = 30
    READINESS_PROBE_LEAD_MINUTES = 120
    READINESS_PROBE_INTERVAL_MINUTES = 10
    READINESS_PROBE_TIMEOUT = 3
    READINESS_SIP_PROBE = True  # endpoints whose dial string is a SIP URI are also asked with SIP OPTIONS

    # The government conference system (govconf, docs/govconf.md). No GOVCONF_URL: the bridge is off.
    GOVCONF_URL = ""
    GOVCONF_KEY_ID = "BTP-dev"
    GOVCONF_SECRET = "dev-govconf-secret"  # the simulator's; production must set its own
    GOVCONF_SITE = "BTP"
    GOVCONF_CONNECT_TIMEOUT = 3.0
    GOVCONF_READ_TIMEOUT = 10.0
    GOVCONF_RETRIES = 2  # quick retries inside one attempt; the outbox retries later, without end
    GOVCONF_BACKOFF_FACTOR = 0.5
    GOVCONF_BACKOFF_MAX = 5.0
    GOVCONF_MAX_INLINE_WAIT = 5.0  # a longer Retry-After is waited out by the outbox, not the sweep
    GOVCONF_RATE_PER_SECOND = 10.0  # the contract's limit per key
    GOVCONF_RETRY_BASE_SECONDS = 30.0
    GOVCONF_RETRY_CAP_SECONDS = 3600.0
    GOVCONF_CLAIM_LEASE_SECONDS = 300
    GOVCONF_AUTH_PAUSE_SECONDS = 600
    GOVCONF_CONTACT_NAME = "Văn phòng Bộ Tư pháp"
    GOVCONF_CONTACT_PHONE = "024 6273 9300"
    GOVCONF_CONTACT_EMAIL = "hoinghi@moj.gov.vn"

    # The MCU (docs/mcu.md). No MCU_DRIVER: every MCU feature is off.
    MCU_DRIVER = ""  # cms
    MCU_URL = ""  # e.g. https://mcu.moj.gov.vn:445 (without /api/v1)
    MCU_USERNAME = ""
    MCU_PASSWORD = ""
    MCU_VERIFY_TLS: bool | str = True  # or a CA bundle path
    MCU_CDR_TOKEN = ""  # the secret in our call-record receiver's address
    MCU_CDR_ALLOW = ""  # addresses the records may come from (comma-separated; empty: any)
    MCU_CDR_LIMIT = "1200 per minute"  # pushes the call-record receiver accepts from one address
    MCU_CDR_MAX_ATTEMPTS = 8  # a pushed body whose processing keeps failing is marked failed after this many tries
    MCU_SIP_DOMAIN = ""  # the domain of the spaces' dial-in URIs (default: MCU_URL's host)
    MCU_SWEEP_SECONDS = 15
    MCU_DIAL_ATTEMPTS = 3
    MCU_END_GRACE_MINUTES = 10
    MCU_REDIAL_SECONDS = 20.0  # backoff base between dial attempts (doubles, with jitter)
    MCU_CONNECT_TIMEOUT = 3.0
    MCU_READ_TIMEOUT = 10.0
    MCU_RETRIES = 3  # quick retries of a 503 or a failed connection inside one request
    MCU_BACKOFF_FACTOR = 0.5
    MCU_BACKOFF_MAX = 5.0
    MCU_CLAIM_LEASE_SECONDS = 120

    @classmethod
    def from_environment(cls) -> dict:
        """The settings this class declares, with environment overrides applied."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        if os.environ.get("SECRET_KEY"):
            settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("DATABASE_URL"):
            settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("RATELIMIT_STORAGE_URI"):
            settings["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
        if os.environ.get("DEMO_PASSWORD"):
            settings["DEMO_PASSWORD"] = os.environ["DEMO_PASSWORD"]
        settings["SESSION_COOKIE_SECURE"] = _env_bool("SESSION_COOKIE_SECURE", settings["SESSION_COOKIE_SECURE"])
        settings["SESSION_IDLE_HOURS"] = _env_int("SESSION_IDLE_HOURS", settings["SESSION_IDLE_HOURS"])
        settings["API_TOKEN_DAYS"] = _env_int("API_TOKEN_DAYS", settings["API_TOKEN_DAYS"])
        settings["DATABASE_PING_IDLE_SECONDS"] = _env_int("DATABASE_PING_IDLE_SECONDS",
                                                          settings["DATABASE_PING_IDLE_SECONDS"])
        for key in ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM"):
            settings[key] = os.environ.get(key, settings[key])
        for key in ("MAIL_PORT", "MAIL_TIMEOUT", "MAIL_MAX_ATTEMPTS"):
            settings[key] = _env_int(key, settings[key])
        settings["MAIL_USE_TLS"] = _env_bool("MAIL_USE_TLS", settings["MAIL_USE_TLS"])
        for key in ("SETUP_MINUTES", "MCU_PORTS", "MAX_OCCURRENCES", "TEST_MINUTES_BEFORE", "CDR_MAX_BYTES",
                    "CDR_MAX_ROWS", "CDR_PRESENT_PERCENT"):
            settings[key] = _env_int(key, settings[key])
        for key in ("WORKDAY_START", "WORKDAY_END"):
            settings[key] = os.environ.get(key, settings[key]).strip()
        settings["PUBLIC_URL"] = os.environ.get("PUBLIC_URL", settings["PUBLIC_URL"]).rstrip("/")
        if os.environ.get("READINESS_REMINDER_OFFSETS"):
            settings["READINESS_REMINDER_OFFSETS"] = _env_minutes("READINESS_REMINDER_OFFSETS")
        for key in ("READINESS_ESCALATION_MINUTES", "READINESS_LINK_DAYS", "READINESS_POLL_SECONDS",
                    "READINESS_TEST_EARLY_MINUTES", "READINESS_PROBE_LEAD_MINUTES",
                    "READINESS_PROBE_INTERVAL_MINUTES", "READINESS_PROBE_TIMEOUT"):
            settings[key] = _env_int(key, settings[key])
        settings["READINESS_SIP_PROBE"] = _env_bool("READINESS_SIP_PROBE", settings["READINESS_SIP_PROBE"])
        settings["MCU_CDR_LIMIT"] = os.environ.get("MCU_CDR_LIMIT", settings["MCU_CDR_LIMIT"]).strip()
        settings["MCU_CDR_MAX_ATTEMPTS"] = _env_int("MCU_CDR_MAX_ATTEMPTS", settings["MCU_CDR_MAX_ATTEMPTS"])
        for key in ("GOVCONF_URL", "GOVCONF_KEY_ID", "GOVCONF_SECRET", "GOVCONF_SITE", "GOVCONF_CONTACT_NAME",
                    "GOVCONF_CONTACT_PHONE", "GOVCONF_CONTACT_EMAIL"):
            settings[key] = os.environ.get(key, settings[key]).strip()
        for key in ("GOVCONF_CONNECT_TIMEOUT", "GOVCONF_READ_TIMEOUT", "GOVCONF_BACKOFF_FACTOR", "GOVCONF_BACKOFF_MAX",
                    "GOVCONF_MAX_INLINE_WAIT", "GOVCONF_RATE_PER_SECOND", "GOVCONF_RETRY_BASE_SECONDS",
                    "GOVCONF_RETRY_CAP_SECONDS"):
            settings[key] = float(os.environ.get(key, settings[key]))
        for key in ("GOVCONF_RETRIES", "GOVCONF_CLAIM_LEASE_SECONDS", "GOVCONF_AUTH_PAUSE_SECONDS"):
            settings[key] = _env_int(key, settings[key])
        for key in ("MCU_DRIVER", "MCU_URL", "MCU_USERNAME", "MCU_PASSWORD", "MCU_CDR_TOKEN", "MCU_CDR_ALLOW",
                    "MCU_SIP_DOMAIN"):
            settings[key] = os.environ.get(key, settings[key]).strip()
        settings["MCU_DRIVER"] = settings["MCU_DRIVER"].lower()
        settings["MCU_VERIFY_TLS"] = _env_verify("MCU_VERIFY_TLS", settings["MCU_VERIFY_TLS"])
        for key in ("MCU_SWEEP_SECONDS", "MCU_DIAL_ATTEMPTS", "MCU_END_GRACE_MINUTES", "MCU_RETRIES",
                    "MCU_CLAIM_LEASE_SECONDS"):
            settings[key] = _env_int(key, settings[key])
        for key in ("MCU_REDIAL_SECONDS", "MCU_CONNECT_TIMEOUT", "MCU_READ_TIMEOUT", "MCU_BACKOFF_FACTOR",
                    "MCU_BACKOFF_MAX"):
            settings[key] = float(os.environ.get(key, settings[key]))
        return settings


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_MEMORY_KIB = 1024
    PASSWORD_HASH_TIME_COST = 1
    SERVER_NAME = None
    READINESS_SIP_PROBE = False  # the demo dial strings name real hosts: tests that probe SIP turn it on


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    DEMO_DATA_ALLOWED = False
    # No ping on every checkout (a round trip more per request): connections idle for
    # DATABASE_PING_IDLE_SECONDS are checked instead (meetings.database.ping_when_idle). psycopg prepares a
    # statement on its fifth use (prepare_threshold 5, its default): the hot paths repeat the same few.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": False}

    @classmethod
    def from_environment(cls) -> dict:
        settings = super().from_environment()
        if settings["SECRET_KEY"] in INSECURE_SECRET_KEYS or len(settings["SECRET_KEY"]) < 32:
            raise RuntimeError("Production needs SECRET_KEY: a random string of at least 32 characters.")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("Production needs DATABASE_URL (postgresql+psycopg://...).")
        if settings["GOVCONF_URL"] and settings["GOVCONF_SECRET"] in ("", Config.GOVCONF_SECRET):
            raise RuntimeError("GOVCONF_URL is set: production needs the Government Office's GOVCONF_SECRET too.")
        if settings["MCU_DRIVER"] and not (settings["MCU_URL"] and settings["MCU_USERNAME"]):
            raise RuntimeError("MCU_DRIVER is set: production needs MCU_URL, MCU_USERNAME and MCU_PASSWORD too.")
        return settings


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(name: str | None = None) -> dict:
    """The settings of the named environment (default: APP_ENV, else development)."""
    name = name or os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"Unknown APP_ENV {name!r}; use one of {', '.join(CONFIGS)}.")
    return CONFIGS[name].from_environment()
