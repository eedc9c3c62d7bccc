"""The outbox's drain task (notifications.doorbell): what a ring sends, each notice at most once.

The doorbell itself (one drain queued for the notices of many filings, a later filing ringing
again) needs a broker: tests/integration/test_celery_worker.py and test_doorbell.py.
"""

import datetime

import pytest
import sms
from django.db import connection
from django.utils import timezone

from notifications import tasks
from notifications.models import Channel, NoticeStatus, Notification
from notifications.tasks import drain_outbox
from tests.concurrency import at_once

from .test_outbox import FAILING_BACKEND, SlowSmsBackend


def pending(phone: str, *, due_in: float = 0.0, status: str = NoticeStatus.PENDING) -> Notification:
    return Notification.objects.create(
        idempotency_key=f"test:{phone}",
        event="filed",
        channel=Channel.SMS,
        address=phone,
        body=f"to {phone}",
        status=status,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=due_in),
    )


def sent_to() -> list[str]:
    return [m.recipients[0] for m in sms.outbox]


def test_a_drain_sends_the_due_notices_longest_due_first_and_leaves_the_rest(db):
    later = pending("13900000003", due_in=-10)
    first = pending("13900000001", due_in=-60)
    pending("13900000004", due_in=300)  # a retry that is not due yet
    pending("13900000005", status=NoticeStatus.SENDING)  # another worker holds it
    pending("13900000006", status=NoticeStatus.FAILED)

    assert drain_outbox() == ["sent", "sent"]

    assert sent_to() == ["13900000001", "13900000003"]
    for notice in (first, later):
        notice.refresh_from_db()
        assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)
    left = dict(Notification.objects.exclude(pk__in=[first.pk, later.pk]).values_list("address", "status"))
    assert left == {"13900000004": "pending", "13900000005": "sending", "13900000006": "failed"}
    assert drain_outbox() == []  # nothing is due: a second drain sends nothing again


def test_a_notice_the_gateway_refuses_for_now_waits_for_its_next_try_not_for_the_same_drain(db, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    settings.NOTICE_RETRY_SECONDS = 0.1  # due again before the drain could end
    notice = pending("13900000001")
    started = timezone.now()

    assert drain_outbox() == ["retry"]

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.PENDING, 1, "gateway unreachable")
    assert notice.next_attempt_at > started


def test_a_drain_that_sent_its_share_rings_for_the_next_one(db, monkeypatch):
    monkeypatch.setattr(tasks, "DRAIN_NOTICES", 2)
    phones = [f"1390000000{i}" for i in range(1, 6)]
    for i, phone in enumerate(phones):
        pending(phone, due_in=i - 10)

    # Run eagerly, the drain it rings for runs inside it and sends the rest, two at a time.
    assert drain_outbox() == ["sent", "sent"]

    assert sent_to() == phones
    assert set(Notification.objects.values_list("status", "attempts")) == {(NoticeStatus.SENT, 1)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks: it writes one transaction at a time; run with DATABASE_URL=postgres://...",
)
def test_drains_running_at_once_share_the_notices_and_send_each_once(settings):
    settings.SMS_BACKEND = f"{SlowSmsBackend.__module__}.{SlowSmsBackend.__qualname__}"
    phones = [f"139000000{i:02d}" for i in range(6)]
    for i, phone in enumerate(phones):
        pending(phone, due_in=i - 10)
    results = at_once(drain_outbox, 3, timeout=30)

    assert sorted(sent_to()) == phones  # each once
    assert all(r and set(r) == {"sent"} for r in results)  # the slow gateway kept all three busy
    assert set(Notification.objects.values_list("status", "attempts")) == {(NoticeStatus.SENT, 1)}
