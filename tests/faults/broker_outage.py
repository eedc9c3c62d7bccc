"""Scenario: Redis (the broker and the cache) is killed in the middle of a run of filings and
started again, empty, a few seconds later. Shared by the fault test (300 filings) and the fault
benchmark (bench/fault_broker.py, 300 and 3,000).

The stack runs as separate processes: gunicorn, a plain `celery worker` and `celery beat` (whose
outbox sweep is what re-queues notices the outage left behind). Complaints are filed through
HTTP, each against a merchant of its own, by a few clients at once.
"""

import collections
import datetime
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from django.utils import timezone

from notifications.models import NoticeStatus, Notification

# A filing SMS names its case (HB2026-000123) in either language.
FILED_SMS = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{4}-\d{6})(?!\d)")
TO = re.compile(r"to: (\d+)")


class Outage(threading.Thread):
    """Kills the Redis server, waits, and starts it again on the same port (empty)."""

    def __init__(self, server, seconds: float):
        super().__init__(daemon=True)
        self.server, self.seconds = server, seconds
        self.down_at: float | None = None  # time.monotonic()
        self.up_at: float | None = None
        self.up_wall: datetime.datetime | None = None
        self.error: BaseException | None = None

    def run(self):
        try:
            self.server.kill()
            self.down_at = time.monotonic()
            time.sleep(self.seconds)
            self.server.start()
            self.up_at = time.monotonic()
            self.up_wall = timezone.now()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            self.error = exc


@dataclass
class Filing:
    started: float  # time.monotonic()
    seconds: float
    status: int
    case: str = ""
    phone: str = ""


@dataclass
class OutageResult:
    filings: list[Filing]
    outage: Outage
    during: int  # filings started while Redis was down
    texts: list[str] = field(default_factory=list)
    drained: bool = False
    last_sent_at: datetime.datetime | None = None
    # The last SMS of the filings made before Redis answered again: those the outage touched.
    last_before_return_sent_at: datetime.datetime | None = None

    @property
    def accepted(self) -> int:
        return sum(f.status == 201 for f in self.filings)

    @property
    def slowest(self) -> float:
        return max(f.seconds for f in self.filings)

    @property
    def median_during_outage(self) -> float:
        down, up = self.outage.down_at, self.outage.up_at
        during = [f.seconds for f in self.filings if down is not None and up is not None and down <= f.started <= up]
        return statistics.median(during) if during else 0.0

    def per_case(self) -> collections.Counter:
        return collections.Counter(m.group(1) for t in self.texts if (m := FILED_SMS.search(t)))

    @property
    def lost(self) -> list[str]:
        sent = self.per_case()
        return [f.case for f in self.filings if f.case and f.case not in sent]

    @property
    def doubled(self) -> dict[str, int]:
        return {case: n for case, n in self.per_case().items() if n > 1}

    def misaddressed(self) -> list[str]:
        """Cases whose SMS went to a number other than their merchant's."""
        phone_of = {f.case: f.phone for f in self.filings}
        wrong = []
        for text in self.texts:
            case, to = FILED_SMS.search(text), TO.search(text)
            if case and (to is None or phone_of.get(case.group(1)) != to.group(1)):
                wrong.append(case.group(1))
        return wrong

    def _since_return(self, moment: datetime.datetime | None) -> float | None:
        if moment is None or self.outage.up_wall is None:
            return None
        return (moment - self.outage.up_wall).total_seconds()

    @property
    def seconds_to_last_sms(self) -> float | None:
        """From Redis answering again to the last filing SMS leaving the worker."""
        return self._since_return(self.last_sent_at)

    @property
    def seconds_to_recover(self) -> float | None:
        """From Redis answering again to the last SMS of a filing made before it did."""
        return self._since_return(self.last_before_return_sent_at)


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


def file_through_outage(
    *, url: str, token: str, merchants, redis_server, outage_after: int, outage_seconds: float, clients: int = 4
) -> OutageResult:
    """File one complaint against each merchant through `url`, killing `redis_server` after
    `outage_after` filings for `outage_seconds`."""
    outage = Outage(redis_server, outage_seconds)
    local = threading.local()
    started_outage = threading.Lock()
    count = iter(range(len(merchants)))

    def file(merchant) -> Filing:
        with started_outage:
            if next(count) == outage_after:
                outage.start()
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        try:
            response = session.post(f"{url}/api/v1/complaints/", json=complaint_body(merchant), timeout=30)
        except requests.RequestException:
            return Filing(started, time.monotonic() - started, 0)
        took = time.monotonic() - started
        case = response.json().get("case_number", "") if response.status_code == 201 else ""
        return Filing(started, took, response.status_code, case, merchant.notice_phones[0])

    with ThreadPoolExecutor(clients) as pool:
        filings = list(pool.map(file, merchants))
    outage.join(timeout=outage_seconds + 60)
    during = 0
    if outage.down_at is not None and outage.up_at is not None:
        during = sum(outage.down_at <= f.started <= outage.up_at for f in filings)
    return OutageResult(filings=filings, outage=outage, during=during)


def wait_for_filing_sms(result: OutageResult, worker, *, timeout: float) -> OutageResult:
    """Wait (without sweeping by hand: beat does it) until every filing SMS was sent, or `timeout`."""
    filed = Notification.objects.filter(event="filed", channel="sms")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not filed.exclude(status=NoticeStatus.SENT).exists():
            result.drained = True
            break
        time.sleep(0.5)
    sent_at = dict(filed.filter(status=NoticeStatus.SENT).values_list("complaint__case_number", "sent_at"))
    result.last_sent_at = max(sent_at.values(), default=None)
    if result.outage.up_at is not None:
        before = [sent_at.get(f.case) for f in result.filings if f.case and f.started < result.outage.up_at]
        result.last_before_return_sent_at = None if None in before else max(before, default=None)
    result.texts = worker.texts()
    return result
