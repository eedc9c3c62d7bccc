import datetime
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

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
    claimed = Notification.objects.raw(
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s WHERE id = %s AND status = %s "
        "RETURNING *",
        [
            NoticeStatus.SENDING,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            notification_id,
            NoticeStatus.PENDING,
        ],
    )
    return next(iter(claimed), None)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, time_limit=SEND_TIME_LIMIT)
def send_notification(self, notification_id: int) -> str:
    """Send one notice, at most once: the claim (pending -> sending, under a row lock) makes a
    redelivered or re-queued task for the same notice a no-op ("skipped")."""
    notice = _claim(notification_id)
    if notice is None:
        return "skipped"
    try:
        provider_id = deliver(notice)
    except TransientSendError as exc:
        give_up = notice.attempts >= max_attempts()
        countdown = retry_countdown(notice.attempts)
        Notification.objects.filter(pk=notice.pk).update(
            status=NoticeStatus.FAILED if give_up else NoticeStatus.PENDING,
            last_error=str(exc)[:2000],
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=countdown),
        )
        if give_up:
            return "failed"
        if self.request.is_eager or self.request.called_directly:
            # Run in-process there is no broker to wait: a retry would repeat at once, all
            # tries in a row without backoff. The sweep takes the row up after next_attempt_at.
            return "retry"
        raise self.retry(countdown=countdown, exc=exc) from exc
    except PermanentSendError as exc:
        logger.warning("notice %s refused by the gateway: %s", notice.pk, exc)
        Notification.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, last_error=str(exc)[:2000])
        return "failed"
    except Exception as exc:  # noqa: BLE001 - a refused notice must be visible to staff, not lost in a log
        logger.exception("notice %s refused", notice.pk)
        Notification.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, last_error=repr(exc)[:2000])
        return "failed"
    done = dict(status=NoticeStatus.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:100], last_error="")
    if notice.event in CODE_EVENTS:
        # A one-time code is kept only as its hash.
        done.update(body="(code sent)", params={})
    Notification.objects.filter(pk=notice.pk).update(**done)
    return "sent"


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
