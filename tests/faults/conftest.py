"""Fault tests: the production stack as separate processes (tests/faults/stack.py) on a Redis
server of the test's own, killed and started again, with workers killed mid-task, a gateway
that fails, PostgreSQL restarted and beat stopped. Marked `integration`: they need PostgreSQL
(the processes share the test database); `make test` runs them in a stage of their own, in two
processes (each test has its own Redis and ports)."""

import socket
import threading

import pytest

from tests.integration import conftest as integration

from .stack import RedisServer, Stack

# Fixtures shared with the integration tests.
point_broker_at = integration.point_broker_at
test_database_url = integration.test_database_url


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
