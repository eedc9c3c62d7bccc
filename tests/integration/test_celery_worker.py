"""The notice outbox end to end: PostgreSQL, Redis and a real Celery worker process.

Filing commits the complaint and its notice rows; after commit it rings the outbox's
doorbell, which publishes a drain task to Redis; a separate worker process sends the SMS
through the file gateway and marks the row sent. When no worker (or no broker) is there,
filing still succeeds and the sweep delivers the notice later, exactly once.
"""

import datetime

import pytest
from django.utils import timezone

from complaints.models import Status
from notifications.models import NoticeStatus, Notification
from notifications.tasks import sweep_outbox

from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SEND = "notifications.tasks.send_notification"
DRAIN = "notifications.tasks.drain_outbox"


def texts_about(worker, case, phone="13900000001") -> list[str]:
    return [t for t in worker.texts() if f"to: {phone}" in t and case.case_number in t]


def merchant_notice(case) -> Notification:
    return Notification.objects.get(complaint=case, channel="sms", address="13900000001")


def backdate(notice, minutes=10) -> None:
    Notification.objects.filter(pk=notice.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_the_worker_texts_the_merchant_when_a_complaint_is_filed(celery_worker, file_complaint):
    celery_worker.start()

    case = file_complaint()

    assert case.status == Status.AWAITING_MERCHANT
    [text] = wait_for(lambda: texts_about(celery_worker, case), "the SMS to the merchant", worker=celery_worker)
    assert "A consumer filed complaint" in text
    notice = wait_for(
        lambda: Notification.objects.filter(pk=merchant_notice(case).pk, status=NoticeStatus.SENT).first(),
        "the notice to be marked sent",
        worker=celery_worker,
    )
    assert notice.attempts == 1 and notice.sent_at is not None and notice.last_error == ""
    assert celery_worker.drained() == ["sent"]


def test_the_notices_of_filings_made_while_a_drain_waits_are_sent_by_that_one_drain(celery_worker, file_complaint):
    celery_worker.env["NOTICE_GATHER_SECONDS"] = "3"  # long enough for three filings here
    celery_worker.start()

    cases = [file_complaint(title=f"Order {n}: screen cracked on arrival") for n in range(3)]

    for case in cases:
        wait_for(lambda case=case: texts_about(celery_worker, case), "the SMS to the merchant", worker=celery_worker)
    # A drain logs what it did once it ends, after its last text.
    wait_for(lambda: len(celery_worker.drained()) == 3, "the drains to end", worker=celery_worker)
    assert celery_worker.drains() == [["sent", "sent", "sent"]]


def test_a_notice_queued_while_no_worker_runs_is_sent_once_the_worker_and_the_sweep_run(celery_worker, file_complaint):
    case = file_complaint()  # the drain task waits in Redis; nobody takes it
    notice = merchant_notice(case)
    assert notice.status == NoticeStatus.PENDING
    backdate(notice)

    assert sweep_outbox() == 1  # a second task for the same notice
    celery_worker.start()

    wait_for(lambda: texts_about(celery_worker, case), "the SMS to the merchant", worker=celery_worker)
    wait_for(lambda: celery_worker.task_results(SEND), "the sweep's task to run", worker=celery_worker)
    # The drain, first in the queue, sent it; the sweep's copy found it sent.
    assert (celery_worker.drained(), celery_worker.task_results(SEND)) == (["sent"], ["skipped"])
    assert len(texts_about(celery_worker, case)) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)


def test_a_notice_written_while_the_broker_is_down_is_delivered_by_the_sweep(
    celery_worker, file_complaint, point_broker_at, broker
):
    point_broker_at("redis://127.0.0.1:1/15")  # nothing listens there: publishing fails at once

    case = file_complaint()

    assert case.status == Status.AWAITING_MERCHANT  # filing does not depend on the broker
    notice = merchant_notice(case)
    assert notice.status == NoticeStatus.PENDING
    point_broker_at(broker)
    celery_worker.start()
    backdate(notice)

    assert sweep_outbox() == 1

    wait_for(lambda: texts_about(celery_worker, case), "the SMS to the merchant", worker=celery_worker)
    wait_for(
        lambda: Notification.objects.filter(pk=notice.pk, status=NoticeStatus.SENT).exists(),
        "the notice to be marked sent",
        worker=celery_worker,
    )
    assert celery_worker.task_results(SEND) == ["sent"]
    assert sweep_outbox() == 0
    assert len(texts_about(celery_worker, case)) == 1


@pytest.fixture
def two_number_shop(shop):
    shop.notice_phones = ["13900000001", "13900000002"]
    shop.save(update_fields=["notice_phones"])
    return shop


def test_the_texts_of_one_filing_to_each_of_the_merchants_numbers_travel_in_one_task(
    broker, celery_worker, file_complaint, two_number_shop
):
    import redis

    client = redis.Redis.from_url(broker)
    case = file_complaint(merchant=two_number_shop)
    assert client.llen("notices") == 1  # one drain task for both numbers
    client.close()

    celery_worker.start()

    for phone in two_number_shop.notice_phones:
        wait_for(lambda p=phone: texts_about(celery_worker, case, p), f"the SMS to {phone}", worker=celery_worker)
    wait_for(lambda: f"{DRAIN}[" in celery_worker.log(), "the task to finish", worker=celery_worker)
    assert celery_worker.drained() == ["sent", "sent"]
    sent = Notification.objects.filter(complaint=case, channel="sms", status=NoticeStatus.SENT)
    assert sorted(sent.values_list("address", "attempts")) == [("13900000001", 1), ("13900000002", 1)]


def test_the_notices_filed_while_a_drain_waits_travel_with_it_and_a_later_one_rings_again(
    broker, celery_worker, file_complaint
):
    import redis

    client = redis.Redis.from_url(broker)
    cases = [file_complaint() for _ in range(3)]  # no worker runs: the first filing's drain waits
    assert client.llen("notices") == 1
    celery_worker.start()
    drained = wait_for(lambda: celery_worker.drained(), "the drain to finish", worker=celery_worker)
    assert drained == ["sent"] * 3

    later = file_complaint()  # the drain has started (and ended): this filing publishes the next

    drained = wait_for(lambda: d if len(d := celery_worker.drained()) > 3 else None, "a drain", worker=celery_worker)
    assert drained == ["sent"] * 4 and client.llen("notices") == 0
    assert all(merchant_notice(c).status == NoticeStatus.SENT for c in [*cases, later])
    client.close()
    assert [len(texts_about(celery_worker, c)) for c in [*cases, later]] == [1, 1, 1, 1]


def test_a_text_of_several_that_fails_for_a_moment_is_tried_again_on_its_own(
    broker, celery_worker, file_complaint, two_number_shop
):
    celery_worker.env.update(
        SMS_BACKEND="tests.faults.backends.FlakyFileSmsBackend",
        FAULT_SMS_FLAKY_PHONE="13900000002",
        NOTICE_RETRY_SECONDS="1",
    )
    celery_worker.start()

    case = file_complaint(merchant=two_number_shop)

    flaky = Notification.objects.get(complaint=case, channel="sms", address="13900000002")
    wait_for(
        lambda: Notification.objects.filter(pk=flaky.pk, status=NoticeStatus.SENT).exists(),
        "the second number's SMS to be sent on its next try",
        worker=celery_worker,
    )
    flaky.refresh_from_db()
    assert flaky.attempts == 2 and flaky.last_error == ""
    # The drain does not try it again at once. (The two notices of one filing may be due at the
    # same microsecond, so either may be claimed first.)
    assert sorted(celery_worker.drained()) == ["retry", "sent"]
    assert celery_worker.task_results(SEND) == ["sent"]  # the retry, a task of its own
    assert len(texts_about(celery_worker, case, "13900000001")) == 1
    assert len(texts_about(celery_worker, case, "13900000002")) == 1


def test_notices_travel_on_their_own_queue(broker, file_complaint):
    import redis

    client = redis.Redis.from_url(broker)

    file_complaint()  # no worker runs: the task waits in Redis

    assert (client.llen("notices"), client.llen("celery")) == (1, 0)
    client.close()


def worker_backends() -> set[int]:
    """The PostgreSQL backends connected to the test database other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_the_worker_keeps_its_database_connection_from_one_notice_to_the_next(celery_worker, file_complaint):
    celery_worker.start()
    first = file_complaint()
    wait_for(lambda: texts_about(celery_worker, first), "the first SMS", worker=celery_worker)
    wait_for(lambda: merchant_notice(first).status == NoticeStatus.SENT, "the first notice sent", worker=celery_worker)
    connected = worker_backends()
    assert connected, "the worker closed its database connection after the task"

    later = [file_complaint(), file_complaint()]

    for case in later:
        wait_for(lambda c=case: merchant_notice(c).status == NoticeStatus.SENT, "the notice sent", worker=celery_worker)
    assert worker_backends() == connected
