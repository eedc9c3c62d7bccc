"""The notice outbox (SPEC "Notifications"): rows written in the event's transaction,
sent by a task after commit, at most once, retried with backoff, swept when left behind."""

import datetime

import pytest
import sms
from django.db import connection, transaction
from django.utils import timezone
from sms.backends.base import BaseSmsBackend

from accounts import services as accounts
from complaints import workflow
from complaints.models import Status
from complaints.notices import queue_case_notices
from notifications.models import NoticeStatus, Notification
from notifications.tasks import max_attempts, send_notification, stale_pending, stale_sending, sweep_outbox
from tests.concurrency import at_once

FAILING_BACKEND = "tests.notifications.test_outbox.FailingSmsBackend"


class FailingSmsBackend(BaseSmsBackend):
    """A gateway that cannot be reached."""

    def send_messages(self, messages):
        raise ConnectionError("gateway unreachable")


@pytest.fixture
def pending_sms(file_complaint):
    """The merchant's SMS notice of a new complaint, written but not yet sent."""
    case = file_complaint()
    return Notification.objects.get(complaint=case, channel="sms")


# --- written in the event's transaction -----------------------------------------------


def test_a_transition_writes_its_notices_in_its_own_transaction(case_in, owner, django_capture_on_commit_callbacks):
    case = case_in(Status.AWAITING_MERCHANT)
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
            assert Notification.objects.filter(complaint=case, event="responded").exists()
            raise RuntimeError("the request failed after the transition")

    assert Notification.objects.count() == before
    assert sms.outbox == []
    case.refresh_from_db()
    assert case.status == Status.AWAITING_MERCHANT


def test_a_refused_transition_leaves_no_notices(case_in, owner):
    case = case_in(Status.AWAITING_MERCHANT)
    before = Notification.objects.count()

    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested in tests/complaints
        workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Offer")

    assert Notification.objects.count() == before


def test_filing_that_fails_sends_nothing(file_complaint, wang, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            file_complaint()
            raise RuntimeError("boom")

    assert not Notification.objects.exists()
    assert sms.outbox == []


def test_in_app_notices_are_delivered_by_being_written_and_sms_waits_for_the_task(case_in, owner):
    case = case_in(Status.AWAITING_MERCHANT)

    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")

    in_app = Notification.objects.get(complaint=case, event="responded", channel="in_app")
    text = Notification.objects.get(complaint=case, event="responded", channel="sms")
    assert (in_app.status, in_app.recipient.username) == (NoticeStatus.SENT, "13800138000")
    assert in_app.sent_at is not None
    assert (text.status, text.sent_at, text.address) == (NoticeStatus.PENDING, None, "13800138000")
    assert sms.outbox == []  # nothing leaves before the commit


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_task_sends_the_sms_and_marks_it_sent(file_complaint):
    case = file_complaint()

    notice = Notification.objects.get(complaint=case, channel="sms")
    assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.SENT, 1, "")
    assert notice.sent_at is not None
    [message] = sms.outbox
    assert message.recipients == ["13900000001"] and case.case_number in message.body


def test_writing_the_same_event_twice_adds_no_notices(file_complaint):
    case = file_complaint()
    count = Notification.objects.count()

    assert queue_case_notices(complaint=case, event="filed", key=f"ev{case.events.get().pk}") == []
    assert Notification.objects.count() == count


# --- the sending task -----------------------------------------------------------------


def test_the_task_sends_once_however_often_it_runs(pending_sms):
    assert send_notification(pending_sms.pk) == "sent"
    assert send_notification(pending_sms.pk) == "skipped"

    pending_sms.refresh_from_db()
    assert (pending_sms.status, pending_sms.attempts) == (NoticeStatus.SENT, 1)
    assert pending_sms.sent_at is not None
    assert len(sms.outbox) == 1


def test_the_task_skips_a_notice_that_no_longer_exists(db):
    assert send_notification(987654) == "skipped"


def test_a_gateway_error_leaves_the_notice_pending_for_a_later_try(pending_sms, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    started = timezone.now()

    send_notification.delay(pending_sms.pk)

    pending_sms.refresh_from_db()
    assert (pending_sms.status, pending_sms.attempts) == (NoticeStatus.PENDING, 1)
    assert "gateway unreachable" in pending_sms.last_error
    assert pending_sms.next_attempt_at > started
    assert pending_sms.sent_at is None


def test_retries_back_off(pending_sms, settings, time_machine):
    settings.SMS_BACKEND = FAILING_BACKEND
    waits = []
    for _ in range(3):
        now = timezone.now()
        send_notification.delay(pending_sms.pk)
        pending_sms.refresh_from_db()
        waits.append((pending_sms.next_attempt_at - now).total_seconds())
        time_machine.move_to(pending_sms.next_attempt_at + datetime.timedelta(seconds=1), tick=False)

    # 10 s, 20 s, 40 s, each within +-50 %
    assert 5 <= waits[0] <= 15 and 10 <= waits[1] <= 30 and 20 <= waits[2] <= 60


def test_after_the_last_try_the_notice_is_failed_and_keeps_the_error(pending_sms, settings, time_machine):
    settings.SMS_BACKEND = FAILING_BACKEND
    for attempt in range(1, max_attempts() + 1):
        send_notification.delay(pending_sms.pk)
        pending_sms.refresh_from_db()
        assert pending_sms.attempts == attempt
        time_machine.move_to(pending_sms.next_attempt_at + datetime.timedelta(seconds=1), tick=False)

    assert pending_sms.status == NoticeStatus.FAILED
    assert "gateway unreachable" in pending_sms.last_error
    assert send_notification(pending_sms.pk) == "skipped"
    assert Notification.objects.get(pk=pending_sms.pk).attempts == max_attempts()


def test_the_retry_schedule_is_settings(pending_sms, settings, time_machine):
    settings.SMS_BACKEND = FAILING_BACKEND
    settings.NOTICE_RETRY_SECONDS = 2
    settings.NOTICE_MAX_ATTEMPTS = 3
    waits = []
    for _ in range(3):
        now = timezone.now()
        send_notification.delay(pending_sms.pk)
        pending_sms.refresh_from_db()
        waits.append((pending_sms.next_attempt_at - now).total_seconds())
        time_machine.move_to(pending_sms.next_attempt_at + datetime.timedelta(seconds=1), tick=False)

    # 2 s, 4 s, each within +-50 %; the third try was the last
    assert 1 <= waits[0] <= 3 and 2 <= waits[1] <= 6
    assert (pending_sms.status, pending_sms.attempts) == (NoticeStatus.FAILED, 3)


def test_a_gateway_that_recovers_delivers_the_notice_on_the_next_try(pending_sms, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    send_notification.delay(pending_sms.pk)
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"

    assert send_notification(pending_sms.pk) == "sent"

    pending_sms.refresh_from_db()
    assert (pending_sms.status, pending_sms.attempts, pending_sms.last_error) == (NoticeStatus.SENT, 2, "")


# --- the sweep ------------------------------------------------------------------------


def age(notice, **fields):
    Notification.objects.filter(pk=notice.pk).update(**fields)


def test_the_sweep_sends_pending_notices_left_behind_but_not_fresh_ones(file_complaint, time_machine):
    left_behind = Notification.objects.get(complaint=file_complaint(), channel="sms")
    fresh = Notification.objects.get(complaint=file_complaint(), channel="sms")
    age(left_behind, next_attempt_at=timezone.now() - stale_pending() - datetime.timedelta(seconds=1))

    assert sweep_outbox() == 1

    left_behind.refresh_from_db()
    fresh.refresh_from_db()
    assert (left_behind.status, fresh.status) == (NoticeStatus.SENT, NoticeStatus.PENDING)
    assert len(sms.outbox) == 1


def test_the_sweep_gives_back_a_notice_whose_worker_died_mid_send(file_complaint):
    stale = Notification.objects.get(complaint=file_complaint(), channel="sms")
    busy = Notification.objects.get(complaint=file_complaint(), channel="sms")
    long_ago = timezone.now() - stale_sending() - datetime.timedelta(seconds=1)
    age(stale, status=NoticeStatus.SENDING, attempts=1, claimed_at=long_ago, next_attempt_at=long_ago)
    age(busy, status=NoticeStatus.SENDING, attempts=1, claimed_at=timezone.now(), next_attempt_at=long_ago)

    assert sweep_outbox() == 1

    stale.refresh_from_db()
    busy.refresh_from_db()
    assert (stale.status, stale.attempts) == (NoticeStatus.SENT, 2)
    assert busy.status == NoticeStatus.SENDING
    assert len(sms.outbox) == 1


def test_the_sweep_leaves_sent_and_failed_notices_alone(file_complaint):
    sent = Notification.objects.get(complaint=file_complaint(), channel="sms")
    failed = Notification.objects.get(complaint=file_complaint(), channel="sms")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    age(sent, status=NoticeStatus.SENT, next_attempt_at=long_ago)
    age(failed, status=NoticeStatus.FAILED, next_attempt_at=long_ago)

    assert sweep_outbox() == 0
    assert sms.outbox == []


def test_a_notice_sent_by_its_task_is_not_sent_again_by_the_sweep(pending_sms):
    send_notification(pending_sms.pk)
    age(pending_sms, next_attempt_at=timezone.now() - datetime.timedelta(hours=1))

    assert sweep_outbox() == 0
    assert len(sms.outbox) == 1


# --- login codes ----------------------------------------------------------------------


def test_a_login_code_notice_forgets_the_code_once_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code = accounts.request_code(phone="13800138000")

    [message] = sms.outbox
    assert code in message.body and message.recipients == ["13800138000"]
    notice = Notification.objects.get(event="login_code")
    assert notice.status == NoticeStatus.SENT
    assert code not in notice.body


def test_the_sweep_thresholds_are_settings(file_complaint, settings):
    settings.NOTICE_STALE_PENDING_SECONDS = 0
    settings.NOTICE_STALE_SENDING_SECONDS = 5
    waiting = Notification.objects.get(complaint=file_complaint(), channel="sms")
    held = Notification.objects.get(complaint=file_complaint(), channel="sms")
    just_now = timezone.now() - datetime.timedelta(seconds=6)
    age(waiting, next_attempt_at=just_now)
    age(held, status=NoticeStatus.SENDING, attempts=1, claimed_at=just_now, next_attempt_at=just_now)

    assert sweep_outbox() == 2

    assert sorted(Notification.objects.filter(channel="sms").values_list("status", flat=True)) == ["sent", "sent"]
    assert len(sms.outbox) == 2


# --- a redelivered task never sends twice ----------------------------------------------


class SlowSmsBackend(BaseSmsBackend):
    """A gateway that takes a moment, so two tasks for one notice overlap."""

    def send_messages(self, messages):
        import time

        time.sleep(0.5)
        sms.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks: it writes one transaction at a time; run with DATABASE_URL=postgres://...",
)
def test_two_tasks_for_one_notice_at_the_same_moment_send_it_once(file_complaint, settings):
    settings.SMS_BACKEND = "tests.notifications.test_outbox.SlowSmsBackend"
    notice = Notification.objects.get(complaint=file_complaint(), channel="sms")
    # Back to where it was before its task ran; four copies of that task now arrive at once.
    Notification.objects.filter(pk=notice.pk).update(status=NoticeStatus.PENDING, attempts=0, sent_at=None)
    sms.outbox.clear()
    results = at_once(lambda: send_notification(notice.pk), 4, timeout=30)

    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(sms.outbox) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)
