"""The outbox's doorbell on a real Redis broker: one drain task queued however many notices
ring for it, another once it started, none lost when a publish fails."""

import datetime
import json

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
        patched.setattr(drain_outbox, "apply_async", refused)
        with pytest.raises(ConnectionError):
            doorbell.ring(app)

    assert not client.exists(doorbell.KEY)
    doorbell.ring(app)
    assert client.llen("notices") == 1


def test_a_writers_drain_starts_a_moment_later_and_a_drain_cut_short_rings_for_the_next_at_once(app, client, settings):
    settings.NOTICE_GATHER_SECONDS = 0.5
    published = datetime.datetime.now(datetime.UTC)
    doorbell.ring(app)  # after a writer's commit
    doorbell.answer(app)
    doorbell.ring(app, gather=False)  # a drain that stopped with notices left

    newest, oldest = (json.loads(message)["headers"] for message in client.lrange("notices", 0, -1))
    starts = datetime.datetime.fromisoformat(oldest["eta"]) - published
    assert datetime.timedelta(seconds=0.5) <= starts < datetime.timedelta(seconds=1.5), starts
    assert newest["eta"] is None
