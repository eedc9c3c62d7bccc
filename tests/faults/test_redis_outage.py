"""Redis dies while complaints are being filed (SPEC "Notifications": a broker outage delays
notices but loses none).

The production stack runs as separate processes: gunicorn, a plain `celery -A mediation worker`
and `celery beat`, on a Redis server of the test's own (broker and cache). Three hundred
complaints, each against its own merchant, are filed through HTTP while Redis is killed for six
seconds and started again empty (it keeps nothing on disk, so every queued task is lost). Every
filing answers 201 at once; every merchant gets exactly one filing SMS, the last within 30 s of
Redis answering again, through beat's outbox sweep alone.
"""

import pytest
from rest_framework.authtoken.models import Token

from merchants.models import Merchant, MerchantStatus
from notifications.models import NoticeStatus, Notification

from .broker_outage import file_through_outage, wait_for_filing_sms

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MERCHANTS = 300
OUTAGE_AFTER = 60  # filings before Redis is killed
OUTAGE_SECONDS = 6.0
# A filing never waits on the dead broker: during the outage filings answer as fast as before it
# (the median), and none takes anywhere near what waiting on a broker's timeouts would cost. The
# bounds leave room for a loaded 2-core machine running another fault test beside this one.
MAX_LATENCY = 5.0  # seconds, for any one filing
MAX_MEDIAN_DURING = 1.0  # seconds, the median filing while Redis is down
BACK_WITHIN = 30.0  # seconds from Redis answering again to the last filing SMS


@pytest.fixture
def merchants(jiangan):
    return Merchant.objects.bulk_create(
        Merchant(
            name=f"Shop {i:03d}",
            uscc=f"91420102MA4K{i:06d}",
            region=jiangan,
            status=MerchantStatus.ENROLLED,
            notice_phones=[f"1390000{i:04d}"],
        )
        for i in range(MERCHANTS)
    )


def test_filing_through_a_redis_outage_answers_at_once_and_every_merchant_is_texted_once_soon_after(
    stack, own_redis, merchants, wang
):
    web = stack.web(COMPLAINTS_PER_DAY="100000")
    worker = stack.worker()
    beat = stack.beat()
    for service in (web, worker, beat):
        service.start()
    token = Token.objects.create(user=wang).key

    result = file_through_outage(
        url=web.url,
        token=token,
        merchants=merchants,
        redis_server=own_redis,
        outage_after=OUTAGE_AFTER,
        outage_seconds=OUTAGE_SECONDS,
    )
    assert result.outage.error is None and result.outage.up_wall is not None, result.outage.error

    # Every request answered, promptly, during the outage as before and after it.
    assert result.accepted == MERCHANTS, [f.status for f in result.filings if f.status != 201]
    assert result.slowest < MAX_LATENCY, f"a filing took {result.slowest:.2f} s"
    assert result.median_during_outage < MAX_MEDIAN_DURING, f"{result.median_during_outage:.2f} s"
    assert result.during >= 10, f"only {result.during} filings fell in the outage: the test proves nothing"
    assert Notification.objects.filter(event="filed", channel="sms").count() == MERCHANTS

    wait_for_filing_sms(result, worker, timeout=BACK_WITHIN + 30)

    assert result.drained, (
        f"{Notification.objects.filter(event='filed').exclude(status=NoticeStatus.SENT).count()} filing SMS "
        f"still unsent\nbeat log:\n{beat.log_tail()}\nworker log:\n{worker.log_tail()}"
    )
    assert result.lost == [] and result.doubled == {}, f"lost: {result.lost}; doubled: {result.doubled}"
    assert len(result.texts) == MERCHANTS and result.misaddressed() == []
    assert result.seconds_to_last_sms <= BACK_WITHIN, (
        f"the last filing SMS left {result.seconds_to_last_sms:.1f} s after Redis answered again"
    )
