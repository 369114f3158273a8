"""Mail settings: defaults, and every one overridable from the environment."""
from config import Config, load_config


def test_mail_defaults(monkeypatch):
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_FROM", "MAIL_TIMEOUT", "MAIL_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    settings = Config.from_environment()
    assert settings["MAIL_SERVER"] == "" and settings["MAIL_PORT"] == 25 and settings["MAIL_USE_TLS"] is False
    assert settings["MAIL_FROM"] == "Hội nghị trực tuyến Bộ Tư pháp <hoinghi@moj.gov.vn>"
    assert (settings["MAIL_TIMEOUT"], settings["MAIL_MAX_ATTEMPTS"]) == (10, 6)


def test_mail_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.moj.gov.vn")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    monkeypatch.setenv("MAIL_USERNAME", "hoinghi")
    monkeypatch.setenv("MAIL_PASSWORD", "bí-mật")
    monkeypatch.setenv("MAIL_FROM", "Hội nghị <hn@moj.gov.vn>")
    monkeypatch.setenv("MAIL_TIMEOUT", "20")
    monkeypatch.setenv("MAIL_MAX_ATTEMPTS", "3")
    settings = load_config("development")
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"], settings["MAIL_USE_TLS"]) == ("smtp.moj.gov.vn", 587, True)
    assert (settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"]) == ("hoinghi", "bí-mật")
    assert settings["MAIL_FROM"] == "Hội nghị <hn@moj.gov.vn>"
    assert (settings["MAIL_TIMEOUT"], settings["MAIL_MAX_ATTEMPTS"]) == (20, 3)
