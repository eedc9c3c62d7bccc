"""Redis dies while complaints are being filed (SPEC "Notifications": a broker outage delays
notices but loses none).

A Redis server of the test's own is the broker and the cache; a real Celery worker sends SMS
through the file gateway. A few hundred complaints, each against its own merchant, are filed
through the API while a thread kills Redis for several seconds and starts it again (empty: it
keeps nothing on disk, so every queued task is lost). Every filing still answers 201 at once,
and after the outbox sweep every merchant has exactly one filing SMS: none lost, none doubled.
"""

import collections
import copy
import re
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Merchant, MerchantStatus
from notifications.models import NoticeStatus, Notification
from notifications.tasks import sweep_outbox

from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MERCHANTS = 300
OUTAGE_AFTER = 60  # filings before Redis is killed
OUTAGE_SECONDS = 4.0
MAX_LATENCY = 2.0  # seconds, for any one request
DRAIN_SECONDS = 60


class Outage(threading.Thread):
    """Kills the Redis server, waits, and starts it again on the same port."""

    def __init__(self, server, seconds: float):
        super().__init__(daemon=True)
        self.server, self.seconds = server, seconds
        self.down_at = self.up_at = None
        self.error: BaseException | None = None

    def run(self):
        try:
            self.server.kill()
            self.down_at = time.monotonic()
            time.sleep(self.seconds)
            self.server.start()
            self.up_at = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


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


@pytest.fixture
def redis_cache(own_redis, settings):
    """This process caches in the test's Redis, configured as production configures it."""
    caches = copy.deepcopy(django_settings.CACHES)
    assert caches["default"]["BACKEND"] == "django_redis.cache.RedisCache", "run with REDIS_URL set"
    caches["default"]["LOCATION"] = own_redis.url
    settings.CACHES = caches
    cache.set("probe", 1)
    assert cache.get("probe") == 1


def complaint_body(merchant) -> dict:
    return {
        "merchant": merchant.pk,
        "category": "quality",
        "channel": "ecommerce",
        "title": "Screen cracked on arrival",
        "description": "The screen was cracked when I opened the box.",
        "amount": "999.00",
        "demands": ["refund"],
    }


def test_filing_through_a_redis_outage_answers_at_once_and_every_merchant_is_texted_once(
    own_redis, point_broker_at, redis_cache, workers, merchants, wang, settings
):
    point_broker_at(own_redis.url)
    worker = workers(own_redis.url)
    worker.start()
    consumer = APIClient()
    consumer.force_authenticate(wang)
    visitor = APIClient()
    outage = Outage(own_redis, OUTAGE_SECONDS)
    filed: list[tuple[float, float, str, str]] = []  # (started, seconds, case number, merchant phone)
    code_requests: list[tuple[float, int]] = []

    for i, merchant in enumerate(merchants):
        if i == OUTAGE_AFTER:
            outage.start()
        started = time.monotonic()
        response = consumer.post("/api/v1/complaints/", complaint_body(merchant), format="json")
        took = time.monotonic() - started
        assert response.status_code == 201, response.content
        filed.append((started, took, response.json()["case_number"], merchant.notice_phones[0]))
        if i % 10 == 0:  # the code endpoint's throttle lives in the cache: it must degrade, not fail
            started = time.monotonic()
            response = visitor.post(
                "/api/v1/auth/sms-code/",
                {"phone": f"1380013{i:04d}"},
                format="json",
                REMOTE_ADDR=f"127.0.{i // 250}.{i % 250 + 1}",
            )
            code_requests.append((time.monotonic() - started, response.status_code))
    outage.join(timeout=OUTAGE_SECONDS + 30)
    assert outage.error is None and outage.up_at is not None, outage.error

    # Every request answered, promptly, during the outage as before and after it.
    slowest = max(took for _s, took, _c, _p in filed)
    assert slowest < MAX_LATENCY, f"a filing took {slowest:.2f} s"
    assert [status for _t, status in code_requests] == [202] * len(code_requests)
    assert max(took for took, _s in code_requests) < MAX_LATENCY
    during = [case for started, _t, case, _p in filed if outage.down_at <= started <= outage.up_at]
    assert len(during) >= 10, f"only {len(during)} filings fell in the outage: the test proves nothing"

    # The outage lost queued tasks; the sweep (its stale threshold at zero) sends what is left.
    settings.NOTICE_STALE_PENDING_SECONDS = 0
    filings = Notification.objects.filter(event="filed", channel="sms")
    assert filings.count() == MERCHANTS
    assert filings.filter(status=NoticeStatus.PENDING).exists(), "the outage left nothing for the sweep"

    def all_sent() -> bool:
        if filings.exclude(status=NoticeStatus.SENT).exists():
            sweep_outbox()
            return False
        return True

    wait_for(all_sent, "every filing SMS to be sent", worker=worker, timeout=DRAIN_SECONDS)

    # Exactly one filing SMS per case, to that case's merchant.
    texts = [t for t in worker.texts() if "A consumer filed complaint" in t]
    per_case = collections.Counter(re.search(r"complaint (\S+) against you", t).group(1) for t in texts)
    doubled = {case: n for case, n in per_case.items() if n > 1}
    lost = [case for _s, _t, case, _p in filed if case not in per_case]
    assert doubled == {} and lost == [], f"doubled: {doubled}; lost: {lost}"
    assert len(texts) == MERCHANTS
    to_phone = {
        re.search(r"complaint (\S+) against you", t).group(1): re.search(r"to: (\d+)", t).group(1) for t in texts
    }
    assert all(to_phone[case] == phone for _s, _t, case, phone in filed)
    assert filings.filter(sent_at__lte=timezone.now()).count() == MERCHANTS
