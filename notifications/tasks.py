import datetime
import logging
import random

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import NoticeStatus, Notification
from .sending import TransientSendError, deliver

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
STALE_PENDING = datetime.timedelta(minutes=2)
STALE_SENDING = datetime.timedelta(minutes=10)


def _claim(notification_id: int) -> Notification | None:
    """Mark the row as being sent, so a redelivered task does not send it again."""
    with transaction.atomic():
        notice = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if notice is None or notice.status != NoticeStatus.PENDING:
            return None
        notice.status = NoticeStatus.SENDING
        notice.attempts += 1
        notice.claimed_at = timezone.now()
        notice.save(update_fields=["status", "attempts", "claimed_at"])
        return notice


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_notification(self, notification_id: int) -> str:
    notice = _claim(notification_id)
    if notice is None:
        return "skipped"
    try:
        provider_id = deliver(notice)
    except TransientSendError as exc:
        give_up = notice.attempts >= MAX_ATTEMPTS
        # Exponential backoff with jitter: 10 s, 20 s, 40 s ... each +-50 %.
        countdown = 10 * 2 ** (notice.attempts - 1) * random.uniform(0.5, 1.5)
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
    except Exception as exc:  # noqa: BLE001 - a refused notice must be visible to staff, not lost in a log
        logger.exception("notice %s refused", notice.pk)
        Notification.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, last_error=repr(exc)[:2000])
        return "failed"
    done = dict(status=NoticeStatus.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:100], last_error="")
    if notice.event == "login_code":
        done["body"] = "(code sent)"  # a one-time code is kept only as its hash
    Notification.objects.filter(pk=notice.pk).update(**done)
    return "sent"


@shared_task
def sweep_outbox() -> int:
    """Re-queue notices a broker outage or a lost task left behind."""
    now = timezone.now()
    # A row stuck in "sending" belongs to a worker that died mid-send; give it back.
    Notification.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=NoticeStatus.PENDING
    )
    ids = list(
        Notification.objects.filter(status=NoticeStatus.PENDING, next_attempt_at__lt=now - STALE_PENDING).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in ids:
        send_notification.delay(pk)
    return len(ids)
