"""The settings module read under different environments, as a fresh process would read it."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

SETTINGS = Path(__file__).resolve().parent.parent / "config" / "settings.py"
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 60 + "-a-long-random-production-secret",
    "DJANGO_ALLOWED_HOSTS": "radar.example.com",
    "DATABASE_URL": "postgres://radar@db.internal:5432/radar",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}
VARIABLES = [
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SQLITE_PATH",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_EMAIL_BACKEND",
]


def read_settings(monkeypatch, tmp_path, **env) -> dict:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SQLITE_PATH", str(tmp_path / "db.sqlite3"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_with_nothing_set_the_demo_runs_on_sqlite_and_in_process(monkeypatch, tmp_path):
    settings = read_settings(monkeypatch, tmp_path, DJANGO_DEBUG="1")

    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["DEBUG"] is True


def test_with_database_and_redis_urls_it_runs_on_postgresql_and_a_real_broker(
    monkeypatch, tmp_path
):
    settings = read_settings(monkeypatch, tmp_path, **PRODUCTION_ENV)

    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == (
        "db.internal",
        "radar",
        "radar",
    )
    assert settings["CELERY_BROKER_URL"] == "redis://cache.internal:6379/0"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False
    assert settings["CACHES"]["default"] == {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": "redis://cache.internal:6379/0",
    }
    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]


def test_without_debug_a_missing_secret_key_stops_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        read_settings(monkeypatch, tmp_path)


def test_without_debug_the_console_email_backend_stops_the_start(monkeypatch, tmp_path):
    """It would print survey, join and password-reset links, which are credentials, to the logs."""
    env = PRODUCTION_ENV | {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }

    with pytest.raises(ImproperlyConfigured, match="console backend"):
        read_settings(monkeypatch, tmp_path, **env)


def test_without_debug_or_an_email_backend_the_start_stops(monkeypatch, tmp_path):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_EMAIL_BACKEND"}

    with pytest.raises(ImproperlyConfigured, match="DJANGO_EMAIL_BACKEND"):
        read_settings(monkeypatch, tmp_path, **env)


def test_with_debug_the_demo_prints_its_emails(monkeypatch, tmp_path):
    settings = read_settings(monkeypatch, tmp_path, DJANGO_DEBUG="1")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_production_settings_pass_the_deployment_check(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in VARIABLES and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= PRODUCTION_ENV | {"DJANGO_SQLITE_PATH": str(tmp_path / "unused.sqlite3")}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=SETTINGS.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    """CI exports DATABASE_URL; a run that silently fell back to SQLite would prove little."""
    if not os.environ.get("CI"):
        pytest.skip("only CI promises PostgreSQL")
    assert connection.vendor == "postgresql"
