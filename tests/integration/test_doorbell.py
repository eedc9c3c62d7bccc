"""The outbox's doorbell on a real Redis broker: one drain task queued however many notices
ring for it, another once it started, none lost when a publish fails."""

import pytest
import redis

from notifications import doorbell
from notifications.tasks import drain_outbox

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def app(broker):
    from mediation.celery import app

    yield app
    doorbell.forget(app)


@pytest.fixture
def client(broker):
    client = redis.Redis.from_url(broker)
    yield client
    client.close()


def test_rings_before_the_drain_starts_queue_one_drain_and_a_ring_after_it_another(app, client, settings):
    doorbell.ring(app)
    doorbell.ring(app)
    doorbell.ring(app)

    assert client.llen("notices") == 1
    assert 0 < client.ttl(doorbell.KEY) <= settings.NOTICE_STALE_PENDING_SECONDS  # a lost drain is not waited for

    doorbell.answer(app)  # the drain starts
    doorbell.ring(app)

    assert client.llen("notices") == 2


def test_a_ring_whose_drain_could_not_be_published_leaves_the_bell_free_for_the_next(app, client, monkeypatch):
    def refused(*args, **kwargs):
        raise ConnectionError("the broker went away between the two calls")

    with monkeypatch.context() as patched:
        patched.setattr(drain_outbox, "delay", refused)
        with pytest.raises(ConnectionError):
            doorbell.ring(app)

    assert not client.exists(doorbell.KEY)
    doorbell.ring(app)
    assert client.llen("notices") == 1
