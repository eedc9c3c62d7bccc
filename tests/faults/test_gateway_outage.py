"""Fault: the SMS gateway is down for two minutes. For the first minute it answers errors, for
the second it holds every request past the backend's read timeout; then it is back.

Only the gateway's HTTP endpoint is a stand-in, a stub on this machine that answers like
Aliyun's SendSms. The rest is the production stack as separate processes: gunicorn, Celery
workers and beat, PostgreSQL, Redis, and the product's Aliyun backend sending through the
vendor's SDK (ALIYUN_SMS_ENDPOINT, ALIYUN_SMS_PROTOCOL=http). A faster retry schedule
(NOTICE_RETRY_SECONDS) fits the outage into a test: notices filed early in it run out of tries
before it ends and are failed; those filed later are sent once it is back. A supervisor then
finds the failed ones on the council's delivery page and sends each again.
"""

import datetime
import json
import re
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from notifications.backends import READ_TIMEOUT
from notifications.models import Channel, NoticeStatus, Notification
from tests.conftest import PASSWORD

from .stack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 120
# The first half of the outage the gateway answers errors at once; the second half it holds
# each request longer than the backend waits for an answer, and never sends that SMS.
ERRORS_SECONDS = OUTAGE_SECONDS / 2
HOLD_SECONDS = READ_TIMEOUT + 5
# 2 s, 4 s, 8 s, 16 s, 32 s between the 6 tries (each +-50 %): 62 s of retries, so a notice
# filed at the start of the outage is failed before it ends, and one filed in its second
# half (each try there lasts READ_TIMEOUT) still has tries left when the gateway is back.
RETRY_SECONDS = 2
MAX_ATTEMPTS = 6
FILE_EVERY_SECONDS = 10
FILINGS = 10  # at 0 s, 10 s ... 90 s into the outage
# A held request ties up a worker for READ_TIMEOUT: several workers (each one process, as a
# prefork pool's children are) keep the tries of the second half from queueing behind each other.
WORKERS = 5
TEMPLATE = "SMS_100"


@dataclass(frozen=True)
class Accepted:
    phone: str
    template: str
    params: dict
    at: datetime.datetime


class StubGateway:
    """Aliyun SendSms (POST / with the request in the query string) on a free local port.

    Up until `go_down()`, then down for OUTAGE_SECONDS. An SMS is sent (recorded in `accepted`)
    only when the gateway answers "OK"; a request it held until the client gave up was never
    sent, as the client was told nothing."""

    def __init__(self):
        self.accepted: list[Accepted] = []
        self.refused = 0
        self.held = 0
        self.down_since: float | None = None
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                gateway.answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def go_down(self) -> datetime.datetime:
        """Start the outage; return when the gateway will be back (it is, at the latest, a moment later)."""
        back_at = timezone.now() + datetime.timedelta(seconds=OUTAGE_SECONDS)
        self.down_since = time.monotonic()
        return back_at

    def elapsed(self) -> float:
        return time.monotonic() - self.down_since if self.down_since is not None else -1.0

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(handler.path).query))
        elapsed = self.elapsed()
        if 0 <= elapsed < ERRORS_SECONDS:
            with self.lock:
                self.refused += 1
                turn = self.refused
            # Both are Aliyun's answers of a gateway in trouble: a 503, and a 200 saying isp.SYSTEM_ERROR.
            if turn % 2:
                self.reply(handler, 503, {"Code": "ServiceUnavailable", "Message": "The service is unavailable."})
            else:
                self.reply(handler, 200, {"Code": "isp.SYSTEM_ERROR", "Message": "system error"})
            return
        if 0 <= elapsed < OUTAGE_SECONDS:
            with self.lock:
                self.held += 1
            time.sleep(HOLD_SECONDS)
            handler.close_connection = True  # no answer at all: the SMS was not sent
            return
        with self.lock:
            self.accepted.append(
                Accepted(
                    phone=query.get("PhoneNumbers", ""),
                    template=query.get("TemplateCode", ""),
                    params=json.loads(query.get("TemplateParam") or "{}"),
                    at=timezone.now(),
                )
            )
            biz_id = f"{900000 + len(self.accepted)}^0"
        self.reply(handler, 200, {"Code": "OK", "Message": "OK", "BizId": biz_id})

    @staticmethod
    def reply(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps({**body, "RequestId": "F655A8D5-B967-440B-8683-FAULT"}).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def cases_sent(self) -> Counter:
        """How many filing SMS the gateway sent for each case number."""
        with self.lock:
            return Counter(a.params.get("case") for a in self.accepted if a.template == TEMPLATE)


@pytest.fixture
def gateway():
    stub = StubGateway()
    stub.start()
    try:
        yield stub
    finally:
        stub.stop()


def gateway_env(gateway: StubGateway) -> dict[str, str]:
    return {
        "SMS_BACKEND": "notifications.backends.aliyun.SmsBackend",
        "ALIYUN_ACCESS_KEY_ID": "LTAI-fault-test",
        "ALIYUN_ACCESS_KEY_SECRET": "fault-test-secret",
        "ALIYUN_SMS_ENDPOINT": gateway.endpoint,
        "ALIYUN_SMS_PROTOCOL": "http",
        "SMS_SIGN_NAME": "湖北315",
        "SMS_TEMPLATES": f"filed={TEMPLATE}",
        "NOTICE_RETRY_SECONDS": str(RETRY_SECONDS),
        "NOTICE_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "COMPLAINTS_PER_DAY": "100",  # one consumer files them all
        # The SDK reads a proxy from these itself (ignoring NO_PROXY); the stub is on this machine.
        "HTTP_PROXY": "",
        "http_proxy": "",
    }


def file_complaint(web, token: str, merchant, n: int) -> str:
    response = requests.post(
        f"{web.url}/api/v1/complaints/",
        json={
            "merchant": merchant.pk,
            "category": "quality",
            "channel": "ecommerce",
            "title": f"Screen cracked on arrival ({n})",
            "description": "The screen was cracked when I opened the box.",
            "amount": "999.00",
            "demands": ["refund"],
        },
        headers={"Authorization": f"Token {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["case_number"]


class Browser:
    """A person on the site's pages over plain HTTP. Production settings mark the session and CSRF
    cookies Secure, which a client sends back only over HTTPS, so the cookies are kept here."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def _keep(self, response: requests.Response) -> requests.Response:
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path: str) -> requests.Response:
        url = self.base_url + path
        return self._keep(requests.get(url, cookies=self.cookies, allow_redirects=False, timeout=15))

    def post(self, path: str, data: dict) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        url = self.base_url + path
        return self._keep(requests.post(url, data=data, cookies=self.cookies, allow_redirects=False, timeout=15))

    def log_in(self, username: str, password: str) -> None:
        assert self.get("/accounts/login/").status_code == 200
        response = self.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.text[:2000]
        assert "sessionid" in self.cookies


def sms_notices(cases):
    return Notification.objects.filter(channel=Channel.SMS, event="filed", complaint__case_number__in=cases)


def start_stack(stack, env: dict[str, str]):
    """gunicorn, WORKERS workers (started side by side) and beat; return the web server."""
    web = stack.web(**env)
    web.start()
    workers = [stack.worker(f"worker{i}", **env) for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as starting:
        list(starting.map(lambda worker: worker.start(), workers))
    stack.beat(**env).start()
    return web


def failed_on_page(page: requests.Response) -> set[int]:
    """Ids of the notices the delivery page lists with a "send again" button."""
    assert page.status_code == 200
    return {int(pk) for pk in re.findall(r'action="/council/notices/(\d+)/retry/"', page.text)}


def test_notices_outlast_a_two_minute_gateway_outage_and_staff_send_the_failed_ones_again(
    stack, gateway, shop, wang, supervisor
):
    web = start_stack(stack, gateway_env(gateway))
    token = Token.objects.get_or_create(user=wang)[0].key

    back_at = gateway.go_down()
    filed: dict[str, float] = {}  # case number -> seconds into the outage
    for n in range(FILINGS):
        time.sleep(max(0.0, n * FILE_EVERY_SECONDS - gateway.elapsed()))
        filed[file_complaint(web, token, shop, n)] = gateway.elapsed()
    assert max(filed.values()) < OUTAGE_SECONDS - READ_TIMEOUT  # each was first tried while down

    wait_until(
        lambda: not sms_notices(filed).filter(status__in=[NoticeStatus.PENDING, NoticeStatus.SENDING]).exists(),
        "every filing SMS to be sent or failed",
        timeout=OUTAGE_SECONDS + 100,
        every=1,
    )
    notices = list(sms_notices(filed).select_related("complaint"))
    report(notices, filed, back_at, gateway)
    assert len(notices) == FILINGS
    assert gateway.refused and gateway.held  # the outage bit in both its halves
    sent = [n for n in notices if n.status == NoticeStatus.SENT]
    failed = [n for n in notices if n.status == NoticeStatus.FAILED]
    assert len(sent) + len(failed) == FILINGS
    assert sent and failed, "the schedule should fail the first filings and send the last ones"
    for notice in sent:
        assert notice.attempts > 1 and notice.sent_at >= back_at, notice.complaint.case_number
    for notice in failed:
        assert notice.attempts == MAX_ATTEMPTS and notice.last_error, notice.complaint.case_number
    # Each sent once, after the gateway was back; a held (timed-out) try never counts as sent.
    assert gateway.cases_sent() == Counter({n.complaint.case_number: 1 for n in sent})
    assert all(a.at >= back_at and a.phone == shop.notice_phones[0] for a in gateway.accepted)

    # A supervisor finds the failed notices on the council's delivery page and sends each again.
    hasher = PBKDF2PasswordHasher()  # the stack runs production's password hashers, not the suite's
    User.objects.filter(pk=supervisor.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    browser = Browser(web.url)
    browser.log_in(supervisor.username, PASSWORD)
    page = browser.get("/council/notices/")
    assert failed_on_page(page) == {n.pk for n in failed}
    for notice in failed:
        assert notice.complaint.case_number in page.text
        response = browser.post(f"/council/notices/{notice.pk}/retry/", {})
        assert response.status_code == 302 and response.headers["Location"] == "/council/notices/"

    wait_until(
        lambda: sms_notices(filed).filter(status=NoticeStatus.SENT).count() == FILINGS,
        "the notices sent again to be sent",
        timeout=30,
    )
    assert gateway.cases_sent() == Counter({case: 1 for case in filed})  # every case told exactly once
    for notice in Notification.objects.filter(pk__in=[n.pk for n in failed]):
        assert notice.attempts == MAX_ATTEMPTS + 1 and notice.last_error == ""
    assert failed_on_page(browser.get("/council/notices/")) == set()


def report(notices, filed: dict[str, float], back_at: datetime.datetime, gateway: StubGateway) -> None:
    """When each notice left (shown with -s, or when the test fails)."""
    print(f"\nsettled {gateway.elapsed():.0f} s into the outage ({gateway.refused} refused, {gateway.held} held);")
    print("filed (s into the outage), status, tries, sent (s after the gateway was back):")
    for notice in sorted(notices, key=lambda n: filed[n.complaint.case_number]):
        after = f"{(notice.sent_at - back_at).total_seconds():.1f}" if notice.sent_at else "-"
        print(f"{filed[notice.complaint.case_number]:5.1f} {notice.status:7} {notice.attempts} {after}")
