"""Requests never wait on Redis (SPEC "Notifications": sending never happens inside a web
request; a broker outage delays notices but loses none).

A broker that refuses connections fails a publish at once; one that accepts connections and
never answers costs one request a socket timeout, after which this process leaves it alone
for a moment. Either way the filing answers 201 and its notice stays pending for the sweep.
The cache degrades the same way: throttles and cached figures go without it.
"""

import copy
import time

import pytest
import redis
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from notifications.models import NoticeStatus, Notification
from notifications.services import BROKER_PAUSE_SECONDS
from notifications.tasks import sweep_outbox

from .stack import free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOCKET_TIMEOUT = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"]
CONNECT_TIMEOUT = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"]


@pytest.fixture
def consumer(wang):
    client = APIClient()
    client.force_authenticate(wang)
    return client


def file(consumer, shop) -> float:
    """File a complaint through the API; return how long the answer took."""
    body = {
        "merchant": shop.pk,
        "category": "quality",
        "channel": "ecommerce",
        "title": "Screen cracked",
        "description": "Cracked on arrival.",
        "amount": "99.00",
        "demands": ["refund"],
    }
    started = time.monotonic()
    response = consumer.post("/api/v1/complaints/", body, format="json")
    took = time.monotonic() - started
    assert response.status_code == 201, response.content
    return took


def queued_notices(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return client.llen("notices")
    finally:
        client.close()


def test_a_broker_that_refuses_connections_costs_filing_nothing(consumer, shop, point_broker_at, own_redis, settings):
    point_broker_at(own_redis.url)
    file(consumer, shop)  # the first request of a process loads what it needs; not the broker's time
    point_broker_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there

    took = [file(consumer, shop) for _ in range(5)]

    # No filing waited on the broker: one connect timeout alone would take CONNECT_TIMEOUT.
    assert max(took) < CONNECT_TIMEOUT * 0.9, took
    assert Notification.objects.filter(event="filed", status=NoticeStatus.PENDING).count() == 6
    point_broker_at(own_redis.url)
    settings.NOTICE_STALE_PENDING_SECONDS = 0
    assert sweep_outbox() == 6  # the five left behind, and the first once more (its task skips)
    assert queued_notices(own_redis.url) == 7


def test_a_hung_broker_costs_one_request_a_timeout_not_every_request(
    consumer, shop, point_broker_at, silent_server, own_redis, settings
):
    point_broker_at(own_redis.url)
    file(consumer, shop)  # the first request of a process loads what it needs; not the broker's time
    point_broker_at(silent_server)

    first = file(consumer, shop)
    others = [file(consumer, shop) for _ in range(4)]

    # One socket timeout, not two: the publish is not retried against a broker that never answers.
    assert SOCKET_TIMEOUT <= first < 2 * SOCKET_TIMEOUT, first
    assert max(others) < 0.5, others  # publishing to it is paused for BROKER_PAUSE_SECONDS
    assert BROKER_PAUSE_SECONDS >= 5
    assert Notification.objects.filter(event="filed", status=NoticeStatus.PENDING).count() == 6

    # Another broker is not paused; the sweep sends what the hung one never got.
    point_broker_at(own_redis.url)
    file(consumer, shop)
    assert queued_notices(own_redis.url) == 1  # the drain task the first filing queued sends it
    settings.NOTICE_STALE_PENDING_SECONDS = 0
    assert sweep_outbox() == 7  # the five left behind, and the two the queued drain will send (sent once all the same)


@pytest.fixture
def cache_at(settings):
    """`cache_at(url)`: the cache is Redis at `url`, configured as production configures it."""

    def _point(url: str) -> None:
        caches = copy.deepcopy(django_settings.CACHES)
        assert caches["default"]["BACKEND"] == "django_redis.cache.RedisCache", "run with REDIS_URL set"
        caches["default"]["LOCATION"] = url
        settings.CACHES = caches

    return _point


@pytest.mark.parametrize("cache_down", ["refusing", "hung"])
def test_the_site_keeps_answering_when_the_cache_is_down(client, cache_at, silent_server, cache_down, shop):
    cache_at(f"redis://127.0.0.1:{free_port()}/0" if cache_down == "refusing" else silent_server)
    visitor = APIClient()

    def timed(request, *args, **kwargs):
        started = time.monotonic()
        response = request(*args, **kwargs)
        return response.status_code, time.monotonic() - started

    answers = [
        timed(visitor.post, "/api/v1/auth/sms-code/", {"phone": "13800138000"}, format="json"),
        timed(client.get, "/stats/"),
        timed(visitor.get, "/api/v1/public/stats/"),
    ]

    assert [status for status, _took in answers] == [202, 200, 200]
    assert max(took for _status, took in answers) < 2.0, answers
