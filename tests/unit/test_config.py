"""Configuration: production refuses to start insecurely; URLs are normalised."""
import pytest

from config import ProductionConfig, load_config, normalise_database_url


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig.from_environment()


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")


def test_production_needs_a_database(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        load_config("production")


def test_production_with_real_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    settings = load_config("production")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["DEMO_DATA_ALLOWED"] is False


def test_development_defaults_to_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_config("development")["SQLALCHEMY_DATABASE_URI"].endswith("instance/meetings.db")


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError):
        load_config("staging-typo")


def test_database_url_spellings():
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
