"""The production stack as separate processes, for fault tests: gunicorn serving the site with
production settings (DEBUG off), Celery workers and Celery beat, all on the test database and a
broker of the test's own. The test process only files through HTTP and reads the database.
"""

import fcntl
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
import requests

from tests.integration.conftest import ROOT, Service, Worker, wait_for, worker_env

VENV_BIN = ROOT / ".venv" / "bin"
SECRET_KEY = "fault-tests-secret-key-not-for-production-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(*, database_url: str, broker_url: str, sms_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of every process of the stack: production settings over plain HTTP."""
    production = {
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    return worker_env(database_url=database_url, broker_url=broker_url, sms_dir=sms_dir, **{**production, **extra})


_static_collected = False


def collect_static(env: dict[str, str]) -> None:
    """Pages with DEBUG off need the hashed static files (whitenoise's manifest): collected once per
    test run with the stack's production settings, so a stale manifest is never served.

    Once per run, not per test process: collecting rewrites the hashed files (deleted, then saved
    again), and a gunicorn of the other process scanning them at that moment failed to start."""
    global _static_collected
    if _static_collected:
        return
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid {os.getpid()}"  # one id for every process of a run
    lock_path = ROOT / "var" / "collectstatic.lock"
    done_path = ROOT / "var" / "collectstatic.done"
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "w") as lock:  # test processes side by side collect one at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (done_path.exists() and done_path.read_text() == run):
            argv = [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"]
            subprocess.run(argv, cwd=ROOT, env=env, check=True)
            done_path.write_text(run)
    _static_collected = True


class RedisServer:
    """A redis-server process on a port of its own, without persistence: killing it loses
    every queued task, as a crash of an unpersisted broker does."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("Fault tests need redis-server on PATH (.ci/run installs it).")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            wait_for(lambda: self._pings(client), f"redis-server on port {self.port} to answer", timeout=10)
        finally:
            client.close()

    @staticmethod
    def _pings(client) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Web(Service):
    """gunicorn with the repository's gunicorn.conf.py, on a port of its own."""

    name = "gunicorn"
    ready = r"Booting worker with pid"

    def __init__(self, env: dict[str, str], workdir: Path, *, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **env,
            "SITE_URL": self.url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": "off",
            "GUNICORN_LOG_LEVEL": "info",
        }
        super().__init__([str(VENV_BIN / "gunicorn"), "mediation.wsgi"], env, workdir)

    def start(self) -> None:
        super().start()
        wait_for(self._answers, "gunicorn to answer", worker=self)

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False


class Beat(Service):
    """`celery -A mediation beat`, keeping its schedule (when each job last ran) in `schedule`."""

    name = "beat"
    ready = r"beat: Starting\.\.\."

    def __init__(self, env: dict[str, str], workdir: Path):
        self.schedule = workdir / "celerybeat-schedule"
        argv = [str(VENV_BIN / "celery"), "-A", "mediation", "beat", "-l", "info", "-s", str(self.schedule)]
        super().__init__(argv, env, workdir)


class Stack:
    """The processes of one test: make each with `web()`, `worker()`, `beat()`; all are killed at
    the end of the test. Every worker writes SMS to the same directory (`sms_dir`)."""

    def __init__(self, workdir: Path, database_url: str, broker_url: str):
        self.workdir = workdir
        self.database_url = database_url
        self.broker_url = broker_url
        self.sms_dir = workdir / "sms"
        self.services: list[Service] = []

    def env(self, **extra: str) -> dict[str, str]:
        return production_env(database_url=self.database_url, broker_url=self.broker_url, sms_dir=self.sms_dir, **extra)

    def _add(self, service: Service) -> Service:
        self.services.append(service)
        return service

    def _dir(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(exist_ok=True)
        return path

    def web(self, name: str = "web", *, workers: int = 2, **extra: str) -> Web:
        env = self.env(**extra)
        collect_static(env)
        return self._add(Web(env, self._dir(name), workers=workers))

    def worker(self, name: str = "worker", *, queues: str | None = None, **extra: str) -> Worker:
        return self._add(Worker(self.env(**extra), self._dir(name), queues=queues))

    def beat(self, name: str = "beat", **extra: str) -> Beat:
        return self._add(Beat(self.env(**extra), self._dir(name)))

    def kill_all(self) -> None:
        for service in self.services:
            service.kill()


def wait_until(condition, what: str, *, timeout: float, every: float = 0.2) -> float:
    """Poll `condition()` until true; return the seconds it took (fail after `timeout`)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(every)
    return time.monotonic() - started
