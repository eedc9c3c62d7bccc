"""Real services for integration tests: PostgreSQL, Redis and a Celery worker process.

These tests fail (they do not skip) when the services are missing, so a run that was
meant to exercise them cannot pass silently without them. Run them with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation REDIS_URL=redis://127.0.0.1:6379/15
(`make test`). REDIS_URL must name a Redis database used only by tests: it is flushed.
"""

import ast
import os
import re
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
CELERY = ROOT / ".venv" / "bin" / "celery"
WAIT_SECONDS = 30
SMS_SEPARATOR = "-" * 79


def wait_for(condition: Callable[[], object], what: str, *, worker=None, timeout: float = WAIT_SECONDS):
    """Poll until `condition()` is truthy; fail naming what did not happen (with the worker's log)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if worker is not None and worker.exited():
            pytest.fail(f"the {worker.name} exited while waiting for {what}:\n{worker.log_tail()}")
        if time.monotonic() > deadline:
            log = f"\n{worker.name} log:\n{worker.log_tail()}" if worker is not None else ""
            pytest.fail(f"waited {timeout:.0f} s for {what}{log}")
        time.sleep(0.2)


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis://"):
        pytest.fail(
            "Integration tests need Redis: set REDIS_URL to a database used only by tests, "
            "e.g. REDIS_URL=redis://127.0.0.1:6379/15 (`make test` does)."
        )
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Integration tests need Redis, and REDIS_URL={url} is not reachable: {exc}")
    client.flushdb()  # no task left over from an earlier run
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def test_database_url(transactional_db):
    """DATABASE_URL of the test database, for processes other than this one."""
    if connection.vendor != "postgresql":
        pytest.fail(
            "Integration tests need PostgreSQL (a worker process shares the test database): "
            "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation (`make test` does)."
        )
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _reset_producer_pool(app) -> None:
    """Drop connections made to the previous broker, so the next publish uses the current one."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def point_broker_at():
    """`point_broker_at(url)`: this process's Celery app publishes to `url` (restored afterwards)."""
    from mediation.celery import app

    previous = app.conf.broker_url

    def _point(url: str) -> None:
        app.conf.broker_url = url
        _reset_producer_pool(app)

    yield _point
    _point(previous)


@pytest.fixture
def broker(redis_url, point_broker_at):
    """This process publishes tasks to Redis (tests marked integration do not run them eagerly)."""
    from mediation.celery import app

    assert not app.conf.task_always_eager, "tests marked integration must not run tasks eagerly"
    point_broker_at(redis_url)
    return redis_url


def worker_env(*, database_url: str, broker_url: str, sms_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker process: the test database, a broker, SMS written to files."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mediation.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "SMS_BACKEND": "sms.backends.filebased.SmsBackend",
        "SMS_FILE_PATH": str(sms_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Service:
    """A process of the stack (a Celery worker, beat, gunicorn) writing its output to a log file
    in `workdir`; `start()` waits until the log shows `ready` (a regular expression)."""

    name = "process"
    ready = ""

    def __init__(self, argv: list[str], env: dict[str, str], workdir: Path):
        self.argv = argv
        self.env = env
        self.log_path = workdir / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None, f"the {self.name} is already running"
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child process writes to it until stopped
        # A session of its own, so that killing it reaches its children too (gunicorn's workers).
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        wait_for(lambda: re.search(self.ready, self.log()), f"the {self.name} to start", worker=self)

    def signal(self, signum: int) -> None:
        """Send `signum` to the process and every child it started."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no cleanup, no acks."""
        if self.process is not None:
            try:  # the whole group, also children left behind by a master that exited
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=15)
        self.process = None

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


class Worker(Service):
    """A `celery worker` process on the test database and broker, writing SMS to files.

    `queues=None` starts it the way most operators type it, without `-Q`: it must consume
    every queue the project uses. The default names both queues, as dedicated workers do.
    """

    name = "worker"
    ready = r"celery@\S+ ready\."

    def __init__(self, env: dict[str, str], workdir: Path, *, queues: str | None = "celery,notices"):
        argv = [str(CELERY), "-A", "mediation", "worker", "-l", "info", "-P", "solo"]
        argv += ["-Q", queues] if queues else []
        argv += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        super().__init__(argv, env, workdir)
        self.sms_dir = Path(env.get("SMS_FILE_PATH") or workdir / "sms")

    def task_results(self, task: str) -> list[str]:
        """Return values of finished `task` runs, as the worker logged them."""
        return re.findall(rf"{re.escape(task)}\[[^\]]+\] succeeded in [^:]+: '([^']*)'", self.log())

    def drains(self) -> list[list[str]]:
        """What each finished outbox drain did with the notices it claimed, drain by drain."""
        runs = re.findall(r"notifications\.tasks\.drain_outbox\[[^\]]+\] succeeded in [^:]+: (\[[^\]]*\])", self.log())
        return [ast.literal_eval(run) for run in runs]

    def drained(self) -> list[str]:
        """What the outbox's drain tasks did with each notice they claimed, in order."""
        return [result for run in self.drains() for result in run]

    def texts(self) -> list[str]:
        """Every SMS the worker wrote ("from: ...\\nto: ...\\nbody")."""
        if not self.sms_dir.exists():
            return []
        found = []
        for path in sorted(self.sms_dir.iterdir()):
            chunks = path.read_text(errors="replace").split(SMS_SEPARATOR)
            found += [c.strip() for c in chunks if c.strip()]
        return found


@pytest.fixture
def celery_worker(tmp_path, broker, test_database_url):
    """A worker ready to start (`celery_worker.start()`); always stopped at the end of the test."""
    env = worker_env(database_url=test_database_url, broker_url=broker, sms_dir=tmp_path / "sms")
    worker = Worker(env, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()
