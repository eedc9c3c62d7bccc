"""Fault tests: a Redis server of the test's own, killed and started again, and Celery
workers killed mid-task. Marked `integration`: they need PostgreSQL (the worker shares the
test database) and run serially in `make test`'s integration stage."""

import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import redis

from tests.integration import conftest as integration
from tests.integration.conftest import wait_for

from .stack import Stack, free_port

# Fixtures shared with the integration tests.
point_broker_at = integration.point_broker_at
test_database_url = integration.test_database_url


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


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def silent_server():
    """`redis://` URL of a server that accepts connections and never answers: a hung broker."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


@pytest.fixture
def stack(tmp_path, test_database_url, own_redis):
    """The production stack as separate processes on the test database and the test's own Redis
    (`stack.web()`, `stack.worker()`, `stack.beat()`, each then `.start()`); all killed at the end."""
    processes = Stack(tmp_path, test_database_url, own_redis.url)
    try:
        yield processes
    finally:
        processes.kill_all()
