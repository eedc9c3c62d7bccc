"""mediation/settings.py: safe local defaults, and production that refuses to start half-configured.

Each case starts a fresh interpreter, since settings are read once per process.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_NEEDS = ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"]
PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from mediation.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"].get("HOST", ""),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "app_eager": app.conf.task_always_eager,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "sms": settings.SMS_BACKEND,
    "debug": settings.DEBUG,
    "secure_cookies": getattr(settings, "SESSION_COOKIE_SECURE", False),
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "redirect_exempt": getattr(settings, "SECURE_REDIRECT_EXEMPT", []),
}))
"""


def run_settings(script: str = PRINT_SETTINGS, **env: str) -> subprocess.CompletedProcess:
    """Import the settings in a new process whose environment has only what the case sets."""
    base = {k: v for k, v in os.environ.items() if k not in settings_read()}
    base["DJANGO_SETTINGS_MODULE"] = "mediation.settings"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_of(**env: str) -> dict:
    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def settings_read() -> set[str]:
    """Every environment variable mediation/settings.py reads."""
    source = (ROOT / "mediation" / "settings.py").read_text()
    return set(re.findall(r"""\benv(?:_bool)?\(\s*["']([A-Z0-9_]+)["']""", source))


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-settings-tests-0123456789",
    "DATABASE_URL": "postgres://mediation:secret@db.internal:5432/mediation",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


@pytest.mark.parametrize("missing", PRODUCTION_NEEDS)
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_starts_with_its_variables():
    figures = settings_of(**PRODUCTION)
    assert figures["debug"] is False
    assert figures["engine"] == "django.db.backends.postgresql"
    assert figures["eager"] is False and figures["app_eager"] is False
    assert figures["broker"] == PRODUCTION["REDIS_URL"]
    assert figures["cache"] == "django_redis.cache.RedisCache"
    assert figures["secure_cookies"] is True
    assert figures["ssl_redirect"] is True
    assert any(re.match(pattern, "healthz") for pattern in figures["redirect_exempt"])


def test_empty_variables_count_as_unset():
    """A copied .env.example with blank values must not switch anything off."""
    figures = settings_of(DEBUG="", SMS_BACKEND="", REDIS_URL="", SECURE_SSL_REDIRECT="")
    assert figures["debug"] is True
    assert figures["sms"] == "sms.backends.console.SmsBackend"
    assert figures["eager"] is True
    production = settings_of(**PRODUCTION, SECURE_SSL_REDIRECT="")
    assert production["ssl_redirect"] is True


def test_embedded_default_needs_no_environment():
    figures = settings_of()
    assert figures["debug"] is True
    assert figures["engine"] == "django.db.backends.sqlite3"
    assert figures["name"].endswith("db.sqlite3")
    assert figures["eager"] is True and figures["app_eager"] is True
    assert figures["broker"] == "memory://"
    assert figures["sms"] == "sms.backends.console.SmsBackend"


@pytest.mark.parametrize(
    ("url", "engine", "name", "host"),
    [
        ("sqlite:////tmp/mediation-test.sqlite3", "django.db.backends.sqlite3", "/tmp/mediation-test.sqlite3", ""),
        ("postgres://u:p@db.example:5432/cases", "django.db.backends.postgresql", "cases", "db.example"),
        ("postgresql://u@127.0.0.1/cases", "django.db.backends.postgresql", "cases", "127.0.0.1"),
    ],
)
def test_database_url_picks_the_engine(url, engine, name, host):
    figures = settings_of(DATABASE_URL=url)
    assert (figures["engine"], figures["name"], figures["host"]) == (engine, name, host)


def test_tasks_run_eagerly_without_redis_and_through_the_broker_with_it():
    assert settings_of()["eager"] is True
    with_redis = settings_of(REDIS_URL="redis://127.0.0.1:6379/9")
    assert with_redis["eager"] is False
    assert with_redis["broker"] == "redis://127.0.0.1:6379/9"


def test_sms_file_path_switches_to_the_file_backend(tmp_path):
    figures = settings_of(SMS_FILE_PATH=str(tmp_path))
    assert figures["sms"] == "sms.backends.filebased.SmsBackend"


def test_env_example_lists_every_variable_the_settings_read():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert settings_read() - listed == set()
    assert listed - settings_read() == set()
