import datetime
import logging
import random
import time

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from mediation.prepared import columns_of, instances_of, update_by_pk

from . import doorbell
from .models import NoticeStatus, Notification
from .notices import CODE_EVENTS
from .sending import PermanentSendError, TransientSendError, deliver

logger = logging.getLogger(__name__)

# A send never outlives its claim: the sweep takes back a row "sending" for stale_sending(),
# so a send must end long before (gateway calls time out after seconds).
SEND_TIME_LIMIT = 120


def stale_pending() -> datetime.timedelta:
    """How long a notice may wait for its task before the sweep queues it again."""
    return datetime.timedelta(seconds=settings.NOTICE_STALE_PENDING_SECONDS)


def stale_sending() -> datetime.timedelta:
    """How long a worker may hold a notice before the sweep takes it back (the worker died)."""
    return datetime.timedelta(seconds=settings.NOTICE_STALE_SENDING_SECONDS)


def max_attempts() -> int:
    """How many times a notice is tried before it is failed (by default 6 times, 10 s, 20 s, 40 s,
    80 s, 160 s apart, each +-50 %: about 5 minutes in all)."""
    return settings.NOTICE_MAX_ATTEMPTS


def retry_countdown(attempts: int) -> float:
    """Seconds before the next try after `attempts` tries: exponential backoff with jitter (+-50 %),
    so notices refused together by a gateway that is down do not all come back at once."""
    return settings.NOTICE_RETRY_SECONDS * 2 ** (attempts - 1) * random.uniform(0.5, 1.5)


def _claim(notification_id: int) -> Notification | None:
    """Mark the row as being sent and read it, so a redelivered task does not send it again.

    One statement, which claims the row only while it is pending: a second claim of the same
    row waits for the first to commit and then finds it no longer pending."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    return _claimed(
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s WHERE id = %s AND status = %s "
        f"RETURNING {columns_of(Notification)}",
        [
            NoticeStatus.SENDING,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            notification_id,
            NoticeStatus.PENDING,
        ],
    )


def _claimed(sql: str, params: list) -> Notification | None:
    """The notice a claiming UPDATE ... RETURNING returned, if it claimed one. Run for every
    notice a worker sends: its rows are read without Notification.objects.raw()'s work per call
    (mediation.prepared)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return instances_of(Notification, [row])[0] if row is not None else None


def _in_process(request) -> bool:
    """Run eagerly or called as a function: no broker to wait on, no worker to wait in."""
    return request.is_eager or request.called_directly


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, time_limit=SEND_TIME_LIMIT)
def send_notification(self, notification_id: int) -> str:
    """Send one notice, at most once: the claim (pending -> sending, under a row lock) makes a
    redelivered or re-queued task for the same notice a no-op ("skipped")."""
    result, retry = _send(notification_id)
    if retry is None:
        return result
    if _in_process(self.request):
        # Run in-process there is no broker to wait: a retry would repeat at once, all
        # tries in a row without backoff. The sweep takes the row up after next_attempt_at.
        return result
    countdown, exc = retry
    raise self.retry(countdown=countdown, exc=exc) from exc


# Run eagerly, the notices of one event are sent by one task, at most this many: each send may
# take a gateway's timeouts (15 s), so a task of this many ends well within SEND_TIME_LIMIT.
NOTICES_PER_TASK = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, time_limit=SEND_TIME_LIMIT)
def send_notices(self, notification_ids: list[int]) -> list[str]:
    """Send several notices of one event, one after the other, each as send_notification
    sends it (notices written while tasks run eagerly). A notice the gateway may take later
    is tried again by a task of its own."""
    results = []
    for notification_id in notification_ids:
        result, retry = _send(notification_id)
        if retry is not None and not _in_process(self.request):
            _try_again_later(notification_id, retry[0])
        results.append(result)
    return results


# A drain claims notices until none is due, or until it sent this many or ran this long: then
# it rings for another drain, so a burst is shared out and no send nears SEND_TIME_LIMIT (a
# send may take a gateway's timeouts, 15 s).
DRAIN_NOTICES = 200
DRAIN_SECONDS = 60.0
# Due by the drain's clock, or about to be: the web node that set next_attempt_at may run a
# little ahead of the worker's clock.
DRAIN_CLOCK_SLACK = datetime.timedelta(seconds=1)


# Acknowledged as it starts (not late, as the other tasks): the drain waits NOTICE_GATHER_SECONDS
# first, and a message still unacknowledged when the broker's Redis goes away is one kombu fails
# to restore, leaving the worker deaf once Redis is back. A drain lost with its worker loses no
# notice: the rows stay pending (or "sending", taken back) for the outbox sweep.
@shared_task(bind=True, acks_late=False, time_limit=SEND_TIME_LIMIT)
def drain_outbox(self) -> list[str]:
    """Send the notices that are due, each at most once (the doorbell's task, `doorbell`).

    It first waits NOTICE_GATHER_SECONDS with the doorbell still set, so the notices written
    meanwhile go with it rather than each ringing for a drain of its own. Rows are claimed one
    at a time (pending -> sending, skipping rows another worker holds), so several drains share
    a burst and a worker that dies holds one notice, not a batch. A notice the gateway may take
    later is tried again by a task of its own, not by this drain."""
    if not _in_process(self.request):
        time.sleep(settings.NOTICE_GATHER_SECONDS)
    doorbell.answer(self.app)  # before the first claim: a notice committed after this rings again
    started = time.monotonic()
    results: list[str] = []
    waiting: list[int] = []  # sent back to wait for their next try
    while (notice := _claim_due(waiting)) is not None:
        result, retry = _deliver(notice)
        if retry is not None:
            waiting.append(notice.pk)
            if not _in_process(self.request):
                _try_again_later(notice.pk, retry[0])
        results.append(result)
        if len(results) >= DRAIN_NOTICES or time.monotonic() - started > DRAIN_SECONDS:
            _ring_again(self.app)
            break
    return results


def _claim_due(skip: list[int]) -> Notification | None:
    """Claim the longest-due pending notice no other worker holds, as `_claim` claims one."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    now = timezone.now()
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    others = f" AND id NOT IN ({', '.join(['%s'] * len(skip))})" if skip else ""
    return _claimed(
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s WHERE status = %s AND id = "
        f"(SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s{others} "
        f"ORDER BY next_attempt_at LIMIT 1{lock}) RETURNING {columns_of(Notification)}",
        [
            NoticeStatus.SENDING,
            connection.ops.adapt_datetimefield_value(now),
            NoticeStatus.PENDING,
            NoticeStatus.PENDING,
            connection.ops.adapt_datetimefield_value(now + DRAIN_CLOCK_SLACK),
            *skip,
        ],
    )


def _ring_again(app) -> None:
    try:
        doorbell.ring(app)
    except Exception:  # noqa: BLE001 - the broker is gone: the rows wait, pending, for the sweep
        logger.warning("could not queue the next outbox drain", exc_info=True)


def _try_again_later(notification_id: int, countdown: float) -> None:
    try:
        send_notification.apply_async((notification_id,), countdown=countdown)
    except Exception:  # noqa: BLE001 - the row waits, pending, for the outbox sweep
        logger.warning("could not queue notice %s for its next try", notification_id, exc_info=True)


def _send(notification_id: int) -> tuple[str, tuple[float, Exception] | None]:
    """Claim the notice and send it; return the result ("sent", "skipped", "failed", "retry")
    and, for "retry", when to try again and why."""
    notice = _claim(notification_id)
    if notice is None:
        return "skipped", None
    return _deliver(notice)


def _deliver(notice: Notification) -> tuple[str, tuple[float, Exception] | None]:
    """Send a claimed notice and record how it went (as `_send`)."""
    try:
        provider_id = deliver(notice)
    except TransientSendError as exc:
        give_up = notice.attempts >= max_attempts()
        countdown = retry_countdown(notice.attempts)
        update_by_pk(
            Notification,
            notice.pk,
            status=NoticeStatus.FAILED if give_up else NoticeStatus.PENDING,
            last_error=str(exc)[:2000],
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=countdown),
        )
        if give_up:
            return "failed", None
        return "retry", (countdown, exc)
    except PermanentSendError as exc:
        logger.warning("notice %s refused by the gateway: %s", notice.pk, exc)
        update_by_pk(Notification, notice.pk, status=NoticeStatus.FAILED, last_error=str(exc)[:2000])
        return "failed", None
    except Exception as exc:  # noqa: BLE001 - a refused notice must be visible to staff, not lost in a log
        logger.exception("notice %s refused", notice.pk)
        update_by_pk(Notification, notice.pk, status=NoticeStatus.FAILED, last_error=repr(exc)[:2000])
        return "failed", None
    done = dict(status=NoticeStatus.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:100], last_error="")
    if notice.event in CODE_EVENTS:
        # A one-time code is kept only as its hash.
        done.update(body="(code sent)", params={})
    update_by_pk(Notification, notice.pk, **done)
    return "sent", None


SWEEP_BATCH = 1000


@shared_task
def sweep_outbox() -> int:
    """Re-queue notices a broker outage or a lost task left behind; return how many.

    Runs every few seconds (OUTBOX_SWEEP_SECONDS). Both queries read partial indexes of unsent
    notices only. A notice whose publish failed was made due at once (`services.enqueue`); one
    whose task was queued gets `stale_pending()` to arrive before it is queued again, and each
    re-queue starts that wait anew, so a long queue is not flooded with copies. A copy that does
    arrive twice is harmless: the second finds the row no longer pending and skips it.
    """
    from .services import enqueue

    now = timezone.now()
    # A row stuck in "sending" belongs to a worker that died mid-send; give it back.
    Notification.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=now - stale_sending()).update(
        status=NoticeStatus.PENDING, next_attempt_at=now - stale_pending()
    )
    ids = list(
        Notification.objects.filter(status=NoticeStatus.PENDING, next_attempt_at__lte=now - stale_pending())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not ids:
        return 0
    queued = enqueue(ids, sweeping=True)
    # Those that reached the broker wait stale_pending() again before another copy.
    Notification.objects.filter(pk__in=ids[:queued], status=NoticeStatus.PENDING).update(next_attempt_at=now)
    return queued
