"""`manage.py run_periodic_jobs`: the embedded default (`make run`) runs beat's jobs itself, so a
case whose deadline passes moves without anyone running a command by hand.

The command commits as a process of its own would, so these tests use real transactions.
"""

import datetime
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sms
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Status
from mediation.celery import app
from notifications.models import NoticeStatus, Notification
from notifications.tasks import stale_pending

pytestmark = pytest.mark.django_db(transaction=True)

COMMAND_LOGGER = "supervision.management.commands.run_periodic_jobs"
MINUTE = datetime.timedelta(minutes=1)


@app.task(name="tests.test_periodic_jobs.break_down")
def break_down():
    raise RuntimeError("the job broke down")


def texts_to(phone: str) -> list[str]:
    return [m.body for m in sms.outbox if m.recipients == [phone]]


def runs_of(caplog, job: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == COMMAND_LOGGER and r.getMessage().startswith(f"{job} (")]


# --- in this process ---------------------------------------------------------------------


def test_once_moves_a_case_past_its_merchant_deadline_to_mediation_and_tells_the_merchant(case_in, time_machine):
    case = case_in(Status.AWAITING_MERCHANT)
    time_machine.move_to(case.due_at + MINUTE, tick=False)

    call_command("run_periodic_jobs", "--once")

    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION
    assert case.events.filter(kind="merchant_deadline_passed").count() == 1
    notices = Notification.objects.filter(complaint=case, event="merchant_overdue")
    assert notices.exists()
    assert set(notices.filter(channel="sms").values_list("status", flat=True)) == {NoticeStatus.SENT}
    assert [t for t in texts_to("13900000001") if "missed the deadline" in t]


def test_once_sweeps_a_notice_whose_task_was_lost(file_complaint):
    notice = Notification.objects.get(complaint=file_complaint(), channel="sms")
    # As if its task had been lost with the broker: still pending, long past the wait for it.
    Notification.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.PENDING, next_attempt_at=timezone.now() - stale_pending() - datetime.timedelta(seconds=1)
    )
    sms.outbox = []

    call_command("run_periodic_jobs", "--once")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert len(texts_to("13900000001")) == 1


def test_the_schedule_is_read_when_the_command_starts(settings, caplog):
    settings.CELERY_BEAT_SCHEDULE = {
        "sweep-outbox": {"task": "notifications.tasks.sweep_outbox", "schedule": datetime.timedelta(seconds=0.1)},
    }

    with caplog.at_level(logging.INFO, logger=COMMAND_LOGGER):
        call_command("run_periodic_jobs", "--seconds", "0.55")

    assert "sweep-outbox (notifications.tasks.sweep_outbox) every 0.1 s" in caplog.text
    assert 3 <= len(runs_of(caplog, "sweep-outbox")) <= 7
    assert not runs_of(caplog, "apply-deadlines")


def test_a_job_that_raises_is_logged_and_every_job_keeps_running(settings, case_in, time_machine, caplog):
    settings.CELERY_BEAT_SCHEDULE = {
        "break-down": {"task": "tests.test_periodic_jobs.break_down", "schedule": 0.1},
        "apply-deadlines": {"task": "complaints.tasks.apply_deadlines", "schedule": 0.1},
    }
    case = case_in(Status.AWAITING_MERCHANT)
    # The clock runs on from there: the command measures its intervals with it.
    time_machine.move_to(case.due_at + MINUTE, tick=True)

    with caplog.at_level(logging.INFO, logger=COMMAND_LOGGER):
        call_command("run_periodic_jobs", "--seconds", "0.45")

    failures = runs_of(caplog, "break-down")
    assert len(failures) >= 3
    assert all("failed" in r.getMessage() and r.exc_info[0] is RuntimeError for r in failures)
    assert len(runs_of(caplog, "apply-deadlines")) >= 3
    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION


# --- as `make run` starts it: a process of its own on the embedded default ------------------

# Run by `manage.py shell` on the temporary database: a filed case whose merchant has 2 s left.
FILE_A_CASE = """
import datetime
from django.utils import timezone
from accounts.models import Council, Role, User
from complaints import filing
from complaints.models import Complaint
from merchants.models import Merchant, MerchantStatus

council = Council.objects.create(name="Jiang'an District Consumer Council", code="HB-WH-JA", case_prefix="HB")
shop = Merchant.objects.create(
    name="Jiang'an Electronics", uscc="91420102MA4K0XXX0X", region=council,
    status=MerchantStatus.ENROLLED, notice_phones=["13900000001"],
)
wang = User.objects.create(username="13800138000", role=Role.CONSUMER, phone="13800138000", name="Wang", language="en")
case = filing.file_complaint(
    consumer=wang, merchant=shop, category="quality", channel="ecommerce",
    title="Phone screen cracked on arrival", description="The screen was cracked when I opened the box.",
)
Complaint.objects.filter(pk=case.pk).update(due_at=timezone.now() + datetime.timedelta(seconds=2))
print(case.pk)
"""


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> tuple[dict[str, str], Path]:
    """The environment of `make run` (SQLite, no Redis) on a migrated temporary database."""
    database = tmp_path_factory.mktemp("embedded") / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "DEBUG")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    subprocess.run(manage("migrate", "--noinput"), env=env, cwd=settings.BASE_DIR, check=True, capture_output=True)
    return env, database


def manage(*args: str) -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.2)


def query(database: Path, sql: str, *params) -> list[tuple]:
    db = sqlite3.connect(database, timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def status_of(database: Path, pk: int) -> str:
    [(status,)] = query(database, "SELECT status FROM complaints_complaint WHERE id = ?", pk)
    return status


@pytest.fixture
def jobs_process(embedded, tmp_path):
    """`manage.py run_periodic_jobs` in a process of its own; its log is `process.log.read_text()`."""
    env, _database = embedded
    log = tmp_path / "jobs.log"
    with log.open("w") as out:
        # Every job each second, so a passed deadline is applied within the test's patience.
        process = subprocess.Popen(
            manage("run_periodic_jobs", "--interval", "1"),
            env=env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    process.log = log
    try:
        wait_for(lambda: "sweep-outbox (" in log.read_text(), 15, "the first runs")
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_process_stops_cleanly_on_ctrl_c_and_on_sigterm(jobs_process, stop_signal):
    jobs_process.send_signal(stop_signal)

    assert jobs_process.wait(timeout=10) == 0
    assert jobs_process.log.read_text().rstrip().endswith("Periodic jobs stopped")


def test_a_case_moves_to_mediation_when_its_deadline_passes_while_the_process_runs(embedded, jobs_process):
    env, database = embedded
    filed = subprocess.run(
        manage("shell", "-c", FILE_A_CASE), env=env, cwd=settings.BASE_DIR, check=True, capture_output=True, text=True
    )
    pk = int(filed.stdout.strip().splitlines()[-1])
    # The deadline is 2 s away: on a busy machine it may already have passed here. The jobs
    # process's own log below shows that it, not the filing, made the move.
    wait_for(lambda: status_of(database, pk) == Status.IN_MEDIATION, 10, "the case to move to mediation")

    jobs_process.send_signal(signal.SIGINT)
    assert jobs_process.wait(timeout=10) == 0
    assert "'merchant_overdue': 1" in jobs_process.log.read_text()
    notices = "SELECT channel, status FROM notifications_notification WHERE complaint_id = ? AND event = ?"
    assert query(database, notices, pk, "merchant_overdue") == [("sms", NoticeStatus.SENT)]
    assert ("sms", NoticeStatus.SENT) in query(database, notices, pk, "escalated")
