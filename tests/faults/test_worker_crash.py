"""A worker is killed (SIGKILL) while it holds a task, in the middle of sending an SMS.

The outbox row records that a worker took the notice ("sending"); the outbox's drain that held
it was acknowledged as it started, so only the row tells that the notice is owed. After a new
worker and beat start and beat's outbox sweep takes back the dead worker's notice
(NOTICE_STALE_SENDING_SECONDS, short here), every notice is sent exactly once: the one that was
cut off is sent again, the others are not repeated.
"""

import collections

import pytest

from merchants.models import Merchant, MerchantStatus
from notifications.models import NoticeStatus, Notification
from tests.integration.conftest import wait_for

from .broker_outage import FILED_SMS

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CASES = 20
HANGS_AT = 7  # the 8th merchant's SMS is the one the first worker is killed in
SEND = "notifications.tasks.send_notification"


@pytest.fixture
def merchants(jiangan):
    return Merchant.objects.bulk_create(
        Merchant(
            name=f"Shop {i:02d}",
            uscc=f"91420102MA4K{i:06d}",
            region=jiangan,
            status=MerchantStatus.ENROLLED,
            notice_phones=[f"1390001{i:04d}"],
        )
        for i in range(CASES)
    )


def test_a_worker_killed_mid_send_loses_no_notice_and_doubles_none(
    own_redis, point_broker_at, stack, merchants, file_complaint
):
    point_broker_at(own_redis.url)
    hang_phone = merchants[HANGS_AT].notice_phones[0]
    first = stack.worker(
        "first",
        SMS_BACKEND="tests.faults.backends.HangingFileSmsBackend",
        FAULT_SMS_HANG_PHONE=hang_phone,
        FAULT_SMS_HANG_SECONDS="60",
    )
    first.start()
    cases = [file_complaint(merchant=m) for m in merchants]  # the drains claim in filing order
    notices = Notification.objects.filter(event="filed", channel="sms")
    hanging = notices.get(address=hang_phone)

    # The first worker sends the first seven, then holds the eighth, hanging in the gateway.
    wait_for(
        lambda: Notification.objects.filter(pk=hanging.pk, status=NoticeStatus.SENDING).exists(),
        "the first worker to take the notice it hangs on",
        worker=first,
    )
    assert notices.filter(status=NoticeStatus.SENT).count() == HANGS_AT
    first.kill()

    # A new worker takes the rest of the queue: the drain the later filings rang for. The dead
    # worker's drain was acknowledged as it started, so no copy of it comes back (any message the
    # dead worker had taken and not started would: visibility timeout 1 s). Beat's outbox sweep
    # then takes back the notice the dead worker held (after NOTICE_STALE_SENDING_SECONDS, short
    # here), and it is sent: nothing is swept by hand.
    restarted = {"BROKER_VISIBILITY_TIMEOUT": "1", "NOTICE_STALE_SENDING_SECONDS": "3"}
    second = stack.worker("second", **restarted)
    beat = stack.beat(**restarted)
    second.start()
    beat.start()
    wait_for(
        lambda: notices.filter(status=NoticeStatus.SENT).count() == CASES,
        "every notice to be sent, the dead worker's one through beat's sweep",
        worker=second,
    )

    texts = second.texts()  # both workers write to the same SMS directory
    per_case = collections.Counter(FILED_SMS.search(t).group(1) for t in texts)
    assert per_case == {case.case_number: 1 for case in cases}
    hanging.refresh_from_db()
    assert (hanging.status, hanging.attempts) == (NoticeStatus.SENT, 2)  # cut off once, sent once
    assert sorted(notices.values_list("attempts", flat=True)) == [1] * (CASES - 1) + [2]
    # The second worker sent the twelve still pending and the swept one; every other copy skipped.
    assert second.drained().count("sent") + second.task_results(SEND).count("sent") == CASES - HANGS_AT
