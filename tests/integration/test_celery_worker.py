"""The notice outbox end to end: PostgreSQL, Redis and a real Celery worker process.

Filing commits the complaint and its notice rows; after commit a task is published to
Redis; a separate worker process sends the SMS through the file gateway and marks the
row sent. When no worker (or no broker) is there, filing still succeeds and the sweep
delivers the notice later, exactly once.
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
    assert celery_worker.task_results(SEND) == ["sent"]


def test_a_notice_queued_while_no_worker_runs_is_sent_once_the_worker_and_the_sweep_run(celery_worker, file_complaint):
    case = file_complaint()  # the task waits in Redis; nobody takes it
    notice = merchant_notice(case)
    assert notice.status == NoticeStatus.PENDING
    backdate(notice)

    assert sweep_outbox() == 1  # a second task for the same notice
    celery_worker.start()

    wait_for(lambda: texts_about(celery_worker, case), "the SMS to the merchant", worker=celery_worker)
    results = wait_for(
        lambda: sorted(r) if len(r := celery_worker.task_results(SEND)) >= 2 else None,
        "both queued tasks to run",
        worker=celery_worker,
    )
    assert results == ["sent", "skipped"]
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
