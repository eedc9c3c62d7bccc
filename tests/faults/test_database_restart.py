"""PostgreSQL restarted while consumers file: requests that hit the gap answer 503 with a clear
message (JSON on the API, a page elsewhere; never a 500 or a traceback), nothing is half-written,
and gunicorn and the Celery worker are back to work within 10 s of the database's return, with
no restart of their own.

The stack runs as separate processes (gunicorn, a Celery worker, beat) on a PostgreSQL server of
the test's own, which a thread stops and starts again while the test files complaints through
HTTP and opens a consumer's page. Two in-process tests cut the connection at chosen points the
restart hits only by chance: after a filing's commit, and in a page's session lookup.
"""

import json
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from django.db import OperationalError, connection
from django.test import Client

from complaints.models import Complaint
from tests.integration.conftest import ROOT

from .postgres import PostgresServer
from .stack import VENV_BIN, Stack, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DATABASE = "mediation"
DOWN_SECONDS = 3
RECOVERY_SECONDS = 10
NOTHING_SAVED = "The service is briefly unavailable. Nothing was saved; please try again in a moment."
SAVED = (
    "The service became briefly unavailable after your request was saved, so its result could not be shown. "
    "Please check before trying again."
)

# A consumer, an enrolled merchant texted on filings, the consumer's API token and a logged-in
# session, written with the stack's settings (the session is signed with its SECRET_KEY).
SEED = """
import json
from django.test import Client
from rest_framework.authtoken.models import Token
from accounts.models import Council, Role, User
from merchants.models import Merchant, MerchantStatus

hubei = Council.objects.create(name="Hubei Consumer Council", code="HB", case_prefix="HB")
wuhan = Council.objects.create(name="Wuhan Consumer Council", code="HB-WH", parent=hubei)
shop = Merchant.objects.create(
    name="Jiang'an Electronics", uscc="91420102MA4K0XXX0X", region=wuhan,
    status=MerchantStatus.ENROLLED, notice_phones=["13900000001"],
)
wang = User(username="13800138000", role=Role.CONSUMER, phone="13800138000", name="Wang", language="en")
wang.set_unusable_password()
wang.save()
browser = Client()
browser.force_login(wang)
print(json.dumps({"merchant": shop.pk, "token": Token.objects.create(user=wang).key,
                  "session": browser.cookies["sessionid"].value}))
"""


@dataclass
class Answer:
    at: float  # time.time() when the request was sent
    what: str  # "filing", "page" or "healthz"
    status: int
    content_type: str
    retry_after: str | None
    text: str

    def json(self) -> dict:
        return json.loads(self.text)


@pytest.fixture
def own_postgres():
    server = PostgresServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def restart_stack(tmp_path, own_postgres, own_redis):
    processes = Stack(tmp_path, own_postgres.url(DATABASE), own_redis.url)
    try:
        yield processes
    finally:
        processes.kill_all()


def manage(stack: Stack, *argv: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *argv],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class Traffic:
    """Sends a filing, a consumer's page and a health check in turn, one at a time, recording
    every answer, until `stop` is set."""

    def __init__(self, web, seed: dict):
        self.url = web.url
        self.seed = seed
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"

    def run(self) -> None:
        while not self.stop.is_set():
            self._send("filing", "POST", "/api/v1/complaints/", json=self._complaint(), auth=True)
            self._send("page", "GET", "/my/", cookie=True)
            self._send("healthz", "GET", "/healthz")

    def _complaint(self) -> dict:
        return {
            "merchant": self.seed["merchant"],
            "category": "quality",
            "channel": "ecommerce",
            "title": "Screen cracked on arrival",
            "description": "The screen was cracked when I opened the box.",
            "amount": "999.00",
            "demands": ["refund"],
        }

    def _send(self, what: str, method: str, path: str, *, auth=False, cookie=False, **kwargs) -> None:
        headers = {}
        if auth:
            headers["Authorization"] = f"Token {self.seed['token']}"
        if cookie:  # by hand: the stack's session cookie is Secure, and this is plain HTTP
            headers["Cookie"] = f"sessionid={self.seed['session']}"
        sent = time.time()
        try:
            response = self.http.request(
                method, self.url + path, headers=headers, timeout=10, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:  # no answer at all: status 0, which the test refuses
            self.answers.append(Answer(sent, what, 0, "", None, repr(exc)))
            return
        content_type, retry_after = response.headers.get("Content-Type", ""), response.headers.get("Retry-After")
        self.answers.append(Answer(sent, what, response.status_code, content_type, retry_after, response.text))

    def of(self, what: str, *, status: int | None = None, after: float = 0.0) -> list[Answer]:
        return [a for a in self.answers if a.what == what and (status is None or a.status == status) and a.at >= after]


def test_a_database_restart_costs_filings_a_503_and_nothing_else(restart_stack, own_postgres):
    stack, postgres = restart_stack, own_postgres
    started = time.monotonic()
    postgres.create_database(DATABASE)
    manage(stack, "migrate", "--noinput", "-v0")
    migrated = time.monotonic() - started
    seed = json.loads(manage(stack, "shell", "-c", SEED).strip().splitlines()[-1])
    # The consumer files hundreds of complaints within the minute. The outbox sweep runs every
    # second; it re-queues a notice whose task met the database down after 2 s, and takes back
    # after 5 s one whose send straddled the stop (sent, but not recorded: it is sent once more).
    web = stack.web(COMPLAINTS_PER_DAY="100000")
    worker = stack.worker(NOTICE_STALE_PENDING_SECONDS="2", NOTICE_STALE_SENDING_SECONDS="5")
    beat = stack.beat(OUTBOX_SWEEP_SECONDS="1")
    for process in (web, worker, beat):
        process.start()

    traffic = Traffic(web, seed)
    marks: dict[str, float] = {}

    def restart():
        time.sleep(2)  # filings before the gap
        marks["stopping"] = time.time()
        postgres.stop()
        marks["down"] = time.time()
        time.sleep(DOWN_SECONDS)
        postgres.start()
        marks["up"] = time.time()

    restarter = threading.Thread(target=restart, daemon=True)
    restarter.start()
    sender = threading.Thread(target=traffic.run, daemon=True)
    sender.start()
    try:
        restarter.join(timeout=90)
        assert "up" in marks, f"the server did not come back:\n{postgres.log_tail()}"
        time.sleep(RECOVERY_SECONDS + 3)  # traffic past the promised recovery
    finally:
        traffic.stop.set()
        sender.join(timeout=30)
    up = marks["up"]

    # Every answer is a success or a 503: never a 500, gunicorn's error page or no answer (0).
    expected = {"filing": {201, 503}, "page": {200, 503}, "healthz": {200, 503}}
    unexpected = [a for a in traffic.answers if a.status not in expected[a.what]]
    assert unexpected == [], unexpected
    assert traffic.of("filing", status=503) and traffic.of("page", status=503), "no request met the gap"
    for answer in traffic.of("filing", status=503):
        assert answer.content_type == "application/json", answer
        assert answer.retry_after == "10", answer
        assert answer.json() in (
            {"detail": NOTHING_SAVED, "code": "service_unavailable"},
            {"detail": SAVED, "code": "unavailable_after_save"},
        ), answer
    for answer in traffic.of("page", status=503):
        assert answer.content_type.startswith("text/html"), answer
        assert NOTHING_SAVED in answer.text and "Briefly unavailable" in answer.text, answer
        assert "Traceback" not in answer.text and "Server Error" not in answer.text, answer
    for answer in traffic.of("healthz", status=503):
        assert answer.json()["database"] == "down", answer
    gap = [a for a in traffic.of("healthz") if marks["down"] <= a.at < up - 0.5]
    assert gap and all(a.status == 503 for a in gap), gap

    # Within 10 s of the return, everything answers as before, and keeps doing so.
    recovered_at = min(a.at for a in traffic.of("filing", status=201, after=up))
    assert recovered_at - up <= RECOVERY_SECONDS
    late = [a for a in traffic.answers if a.at >= up + RECOVERY_SECONDS]
    assert {a.what for a in late} == {"filing", "page", "healthz"}
    assert all(a.status in (200, 201) for a in late), [a for a in late if a.status not in (200, 201)]

    # Nothing half-written: each case the database holds was answered 201 (or said saved in its
    # 503) and has its timeline's "filed" event and its filing SMS.
    filed = {a.json()["case_number"] for a in traffic.of("filing", status=201)}
    saved_but_unanswered = [a for a in traffic.of("filing", status=503) if a.json()["code"] == "unavailable_after_save"]
    cases = postgres.query(
        DATABASE,
        """SELECT c.case_number,
                  (SELECT count(*) FROM complaints_complaintevent e WHERE e.complaint_id = c.id AND e.kind = 'filed'),
                  (SELECT count(*) FROM notifications_notification n
                    WHERE n.complaint_id = c.id AND n.event = 'filed' AND n.channel = 'sms')
           FROM complaints_complaint c""",
    )
    assert filed <= {case for case, _events, _notices in cases}
    assert len(cases) == len(filed) + len(saved_but_unanswered)
    assert all(events == 1 and notices == 1 for _case, events, notices in cases), cases

    # The worker sends every filing SMS, those filed before the gap and those after it.
    unsent = "SELECT count(*) FROM notifications_notification WHERE event = 'filed' AND status <> 'sent'"
    sending = wait_until(lambda: postgres.query(DATABASE, unsent) == [(0,)], "every filing SMS to be sent", timeout=60)
    texts = "\n".join(worker.texts())
    assert all(case in texts for case, _events, _notices in cases)
    after_return = postgres.query(
        DATABASE,
        """SELECT min(n.sent_at) FROM notifications_notification n JOIN complaints_complaint c ON c.id = n.complaint_id
           WHERE c.filed_at > to_timestamp(%s)""",
        (up,),
    )[0][0].timestamp()
    assert after_return - up <= RECOVERY_SECONDS
    for process in (web, worker, beat):
        assert not process.exited(), f"the {process.name} exited:\n{process.log_tail()}"

    print(
        f"\nmigrate {migrated:.1f} s; server stopped in {marks['down'] - marks['stopping']:.1f} s, "
        f"down {up - marks['down']:.1f} s; first filing 201 {recovered_at - up:.2f} s after its return, "
        f"first SMS of a later filing {after_return - up:.2f} s after; {len(filed)} filings answered 201, "
        f"{len(traffic.of('filing', status=503))} answered 503 ({len(saved_but_unanswered)} said saved); "
        f"all SMS sent {sending:.1f} s after the traffic stopped; test {time.monotonic() - started:.0f} s"
    )


@contextmanager
def connection_cut(*, after_commit_of: str = ""):
    """Every statement of this process fails as on a cut connection: from the start, or once a
    transaction that wrote `after_commit_of` (a table) has committed."""
    cut = {"now": not after_commit_of}

    def wrapper(execute, sql, params, many, context):
        if cut["now"]:
            raise OperationalError("server closed the connection unexpectedly")
        result = execute(sql, params, many, context)
        if after_commit_of and sql.startswith(f'INSERT INTO "{after_commit_of}"'):
            context["connection"].on_commit(lambda: cut.update(now=True))
        return result

    with connection.execute_wrapper(wrapper):
        yield


def test_a_filing_cut_off_after_its_commit_still_answers_with_its_case(api, wang, shop, point_broker_at):
    """The 201 is built from what the filing wrote, so a connection lost after the commit does not
    turn a saved case into an error the consumer would retry."""
    point_broker_at("memory://")
    body = {"merchant": shop.pk, "category": "quality", "channel": "ecommerce", "title": "Cracked screen"}
    body |= {"description": "The screen was cracked when I opened the box.", "demands": ["refund"]}

    with connection_cut(after_commit_of="complaints_complaint"):
        response = api.as_(wang).post("/api/v1/complaints/", body, format="json")

    assert response.status_code == 201
    saved = Complaint.objects.get(consumer=wang)
    assert response.json()["case_number"] == saved.case_number


def test_a_page_whose_session_cannot_be_read_answers_the_503_page(wang):
    browser = Client(raise_request_exception=False)
    browser.force_login(wang)

    with connection_cut():
        response = browser.get("/my/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Briefly unavailable" in page and NOTHING_SAVED in page and 'href="/my/"' in page
