"""Production settings refuse a guessable SECRET_KEY and a store that several processes cannot share.

A placeholder key lets anyone who read .env.example forge sessions, password-reset links and
login-code hashes. SQLite under several gunicorn workers answers "database is locked" (500s)
under concurrent writes, and a per-process cache multiplies every rate limit by the worker count.
Each case imports the settings in a fresh interpreter, since settings are read once per process.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_compose import COMPOSE_BINARY
from tests.test_settings import PRODUCTION, run_settings, settings_of

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"


def env_example_secret_key() -> str:
    [key] = re.findall(r"^SECRET_KEY=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    return key.strip()


def refused(result: subprocess.CompletedProcess, *words: str) -> bool:
    output = result.stdout + result.stderr
    return result.returncode != 0 and "ImproperlyConfigured" in output and all(w in output for w in words)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(env_example_secret_key(), id="env-example"),
        pytest.param("insecure-local-development-key-change-me", id="development-default"),
        pytest.param("django-insecure-" + secrets.token_urlsafe(48), id="django-insecure"),
        pytest.param("please-change-me-" + secrets.token_urlsafe(48), id="change-me"),
        pytest.param(secrets.token_urlsafe(40) + "CHANGEME", id="changeme"),
        pytest.param("example-" + secrets.token_urlsafe(48), id="example"),
    ],
)
def test_production_refuses_a_placeholder_secret_key(key):
    assert len(key) >= 33
    result = run_settings(**{**PRODUCTION, "SECRET_KEY": key})
    assert refused(result, "SECRET_KEY", "placeholder"), result.stderr
    assert key not in result.stderr  # the message never repeats a key


def test_production_refuses_a_short_secret_key():
    key = secrets.token_urlsafe(64)[:49]
    result = run_settings(**{**PRODUCTION, "SECRET_KEY": key})
    assert refused(result, "SECRET_KEY", "50"), result.stderr
    assert key not in result.stderr


def test_production_accepts_a_long_random_secret_key():
    assert settings_of(**{**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)})["debug"] is False


def test_development_keeps_its_default_key():
    assert settings_of()["debug"] is True


def test_production_refuses_sqlite_unless_explicitly_allowed(tmp_path):
    sqlite = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run_settings(**sqlite)
    assert refused(result, "SQLite", "ALLOW_SQLITE_IN_PRODUCTION"), result.stderr
    assert refused(run_settings(**sqlite, ALLOW_SQLITE_IN_PRODUCTION="0"), "SQLite")
    allowed = settings_of(**sqlite, ALLOW_SQLITE_IN_PRODUCTION="1")
    assert allowed["engine"] == "django.db.backends.sqlite3"


def test_production_never_keeps_rate_limits_in_a_per_process_cache():
    """The throttles count in the cache; production needs Redis, so the count is shared."""
    result = run_settings(**{k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"})
    assert refused(result, "REDIS_URL"), result.stderr
    assert settings_of(**PRODUCTION)["cache"] == "django_redis.cache.RedisCache"


SQLITE_OPTIONS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps(settings.DATABASES["default"].get("OPTIONS", {})))
"""


def test_embedded_sqlite_waits_for_the_other_process_instead_of_failing():
    """`make run`'s web server and periodic-jobs process write to one SQLite file."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_OPTIONS],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "mediation.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options["timeout"] >= 20
    assert options["transaction_mode"] == "IMMEDIATE"


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # Test plugins set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never does.
    base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "mediation.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_fails_on_the_env_example_secret_key():
    result = check_deploy({**PRODUCTION, "SECRET_KEY": env_example_secret_key()})
    assert refused(result, "SECRET_KEY"), result.stdout + result.stderr


def test_compose_stack_from_a_copied_env_example_fails_until_the_key_is_set():
    """`cp .env.example .env` and nothing else: the stack's web service must not start."""
    compose = subprocess.run(
        [str(COMPOSE_BINARY), "--env-file", str(ENV_EXAMPLE), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_")) and k != "SECRET_KEY"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert compose.returncode == 0, compose.stderr
    web = json.loads(compose.stdout)["services"]["web"]["environment"]
    assert web["SECRET_KEY"] == env_example_secret_key()
    result = check_deploy(web)
    assert refused(result, "SECRET_KEY"), result.stdout + result.stderr
    assert refused(check_deploy({**web, "SECRET_KEY": secrets.token_urlsafe(50)}), "SECRET_KEY") is False
