"""Running one piece of work in several threads released at the same moment, as concurrent
requests or workers would arrive: each thread has its own database connection, closed after."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(work: Callable[[], object], times: int, *, timeout: float = 60) -> list:
    """Run `work` in `times` threads that start together; return what each returned (in the
    order they finished). Fails naming the errors if any thread raised."""
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == [], errors
    return results
