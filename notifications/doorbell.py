"""The outbox's doorbell: one drain task for all the notices written while none was waiting.

A task per notice would cost every filing a publish and the worker Celery's whole round per
notice (taking the message, handing it to a child, acknowledging it), several times the cost
of the send itself. Instead a writer rings after its commit: it sets a key in the broker's
Redis (SET NX, expiring) and publishes the drain task (`tasks.drain_outbox`) only when the key
was not set already. The drain removes the key before it claims anything, then sends every
due notice it can claim. So a notice committed before the key was removed is found by that
drain, and one committed after rings again and publishes the next drain: none waits for the
sweep. Under load, the notices written while a drain waits in the queue travel with it.

A drain waits NOTICE_GATHER_SECONDS (a tenth of a second) before it removes the key, so the
notices of every filing made meanwhile go with it: under load, one drain and one publish for a
score of filings rather than one each, at the cost of that moment before the first text. The
wait is inside the task, which is acknowledged as it starts (`tasks.drain_outbox`).

The key expires (the sweep's wait for a queued task), so a drain that was lost costs the
notices behind it a short delay and the next ring publishes a new one; the outbox sweep stays
the backstop. A broker that is not Redis gets a drain per ring.
"""

import logging

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY = "notifications:doorbell"
_clients: dict[str, redis.Redis] = {}  # broker URL -> client (its own connection pool)


def ring(app) -> None:
    """Make sure a drain task is on its way to the workers. Raises when the broker cannot be
    reached (the caller leaves the notices for the sweep)."""
    from .tasks import drain_outbox

    client = _client(app)
    if client is not None and not client.set(KEY, 1, nx=True, ex=settings.NOTICE_STALE_PENDING_SECONDS):
        return  # a drain is queued and has not started: it will find these notices
    try:
        drain_outbox.delay()
    except Exception:
        if client is not None:
            _unset(client)  # so the next ring tries to publish again
        raise


def answer(app) -> None:
    """The drain starts: the next ring publishes another. Never raises: a key left set expires."""
    client = _client(app)
    if client is not None:
        _unset(client)


def forget(app) -> None:
    """Drop the connections to the broker's Redis (after a failure, so the next ring connects
    afresh)."""
    client = _clients.pop(str(app.conf.broker_url), None)
    if client is not None:
        client.connection_pool.disconnect()


def _unset(client: redis.Redis) -> None:
    try:
        client.delete(KEY)
    except redis.RedisError:
        logger.warning("could not clear the outbox doorbell; it expires by itself", exc_info=True)


def _client(app) -> redis.Redis | None:
    url = str(app.conf.broker_url)
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = _clients.get(url)
    if client is None:
        options = app.conf.broker_transport_options or {}
        client = _clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=options.get("socket_connect_timeout", 1),
            socket_timeout=options.get("socket_timeout", 2),
        )
    return client
