"""Writing notices: outbox rows in the caller's transaction, sent by a task after commit.

The outbox knows people, addresses and notice types, not cases: the apps that send notices
say who is told and with which values (complaints.notices for case notices).
"""

import datetime
import functools
import logging
import time
from dataclasses import dataclass

import kombu.pools
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mediation.errors import Throttled

from . import doorbell
from .models import Channel, DeliveryStatus, NoticeStatus, Notification
from .notices import ACCOUNT_EXISTS_CODE, CODE_EVENTS, LOGIN_CODE
from .types import NoticeType, notice_type

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str = ""
    user: AbstractBaseUser | None = None
    language: str = ""  # "" is the platform's language, read when the notice is written


def user_recipients(users, channels) -> list[Recipient]:
    """Each user on each of `channels` they can be reached on: SMS to their phone, email to
    their address, in-app always."""
    found = []
    for user in users:
        for channel in channels:
            if channel == Channel.SMS and user.phone:
                found.append(Recipient(channel, user.phone, user, user.language))
            elif channel == Channel.EMAIL and user.email:
                found.append(Recipient(channel, user.email, user, user.language))
            elif channel == Channel.IN_APP:
                found.append(Recipient(channel, "", user, user.language))
    return found


def outbox_row(
    notice: NoticeType, recipient: Recipient, *, key: str, values: dict, link: str, complaint=None
) -> Notification:
    """An unsaved notice to `recipient`, written in their language with `values`. `key` names
    the event; with the channel and the address it makes the row's idempotency key."""
    subject, body, params = notice.render(recipient.language or settings.LANGUAGE_CODE, values)
    who = recipient.address or f"user{recipient.user.pk}"
    in_app = recipient.channel == Channel.IN_APP
    return Notification(
        idempotency_key=f"{key}:{recipient.channel}:{who}",
        event=notice.name,
        channel=recipient.channel,
        recipient=recipient.user,
        address=recipient.address,
        complaint=complaint,
        subject=subject[:200],
        body=body,
        params=params,
        link=link,
        # An in-app notice is delivered by being written.
        status=NoticeStatus.SENT if in_app else NoticeStatus.PENDING,
        sent_at=timezone.now() if in_app else None,
    )


def write_notices(rows: list[Notification], *, fresh: bool = False) -> list[Notification]:
    """Save the notices not written yet and queue the pending ones after commit; return those
    saved. Call inside the event's transaction: the idempotency key makes writing the same
    event twice add nothing. `fresh`: the keys name something written in this transaction
    (an event just appended), so none can be written yet and they are not read first."""
    owed: dict[str, Notification] = {}
    for row in rows:
        owed.setdefault(row.idempotency_key, row)
    # One read and one insert, whatever the number of recipients. The caller's lock on what
    # the event is about keeps two writers of one event apart; the unique key is the backstop.
    written = set()
    if not fresh:
        written = set(Notification.objects.filter(idempotency_key__in=owed).values_list("idempotency_key", flat=True))
    saved = Notification.objects.bulk_create([n for k, n in owed.items() if k not in written])
    pending = [n.pk for n in saved if n.status == NoticeStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: enqueue(pending), robust=True)
    return saved


# A broker that refuses connections fails a publish in a millisecond; one that hangs costs a
# socket timeout (CELERY_BROKER_TRANSPORT_OPTIONS). After such a slow failure this process
# leaves the broker alone for a moment, so a hung broker costs one request a timeout rather
# than every request. The rows stay pending and the sweep sends them: nothing is lost.
BROKER_PAUSE_SECONDS = 10.0
SLOW_FAILURE_SECONDS = 0.25
_broker_paused_until: dict[str, float] = {}  # broker URL -> time.monotonic() deadline


def enqueue(notification_ids: list[int], *, sweeping: bool = False) -> int:
    """Publish what sends these notices; return how many notices reached the broker.

    After a commit (`write_notices`) this rings the outbox's doorbell (`doorbell.ring`): the
    drain task it publishes, or the one already queued, sends them. Run eagerly (no broker),
    the notices of one event are sent at once, in tasks of up to NOTICES_PER_TASK. The sweep
    (`sweeping=True`) publishes a task per notice, so the workers share what an outage left
    behind. Never raises: a broker outage only delays notices. The first failure ends the
    batch (the rest would wait on the same dead broker). The sweep tries even during a pause,
    as it is how notices get out after an outage.
    """
    from mediation.celery import app

    url = str(app.conf.broker_url)
    if not sweeping and _broker_paused_until.get(url, 0.0) > time.monotonic():
        logger.warning("broker unavailable: %d notices left for the sweep", len(notification_ids))
        _leave_for_sweep(notification_ids)
        return 0
    queued = 0
    for batch, publish in _publishing(app, notification_ids, sweeping=sweeping):
        started = time.monotonic()
        try:
            publish()
        except Exception:  # noqa: BLE001 - any broker error: the rows stay pending for the sweep
            if time.monotonic() - started > SLOW_FAILURE_SECONDS:
                _broker_paused_until[url] = time.monotonic() + BROKER_PAUSE_SECONDS
            # The connection that failed is dropped, so the next publish (this request's or the
            # next one's) connects afresh: once the broker answers again, publishing works at once.
            _drop_broker_connections(app)
            logger.warning(
                "could not queue notices (broker unavailable): %d left for the sweep",
                len(notification_ids) - queued,
                exc_info=True,
            )
            if not sweeping:
                _leave_for_sweep(notification_ids[queued:])
            break
        queued += len(batch)
    else:
        _broker_paused_until.pop(url, None)
    return queued


def _publishing(app, notification_ids: list[int], *, sweeping: bool):
    """The notices in the order they reach the broker, each batch with what publishes it."""
    from .tasks import NOTICES_PER_TASK, send_notices, send_notification

    if not sweeping and not app.conf.task_always_eager:
        return [(notification_ids, lambda: doorbell.ring(app))]
    size = 1 if sweeping else NOTICES_PER_TASK
    batches = [notification_ids[i : i + size] for i in range(0, len(notification_ids), size)]
    return [
        (batch, functools.partial(send_notification.delay, batch[0]))
        if len(batch) == 1
        else (batch, functools.partial(send_notices.delay, batch))
        for batch in batches
    ]


def _drop_broker_connections(app) -> None:
    try:
        kombu.pools.reset()  # the producer pools, whose connections are the broken ones
        app.pool.force_close_all()
    except Exception:  # noqa: BLE001 - closing a dead connection may fail too; it is dropped either way
        logger.debug("closing broker connections failed", exc_info=True)
    app._pool = None
    app.amqp._producer_pool = None
    doorbell.forget(app)


def _leave_for_sweep(notification_ids: list[int]) -> None:
    """Make notices that never reached the broker due for the next sweep at once: they have no
    task on its way, so the sweep need not give one time to arrive."""
    from .tasks import stale_pending

    try:
        Notification.objects.filter(pk__in=notification_ids, status=NoticeStatus.PENDING).update(
            next_attempt_at=timezone.now() - stale_pending()
        )
    except Exception:  # noqa: BLE001 - never fail the request: the sweep finds them a little later
        logger.warning("could not mark %d notices for the sweep", len(notification_ids), exc_info=True)


def queue_code_sms(*, phone: str, code: str, key: str, account_exists: bool = False) -> Notification:
    """A one-time code by SMS. `account_exists`: asked for to sign up with a number that
    already has an account; the text says so, and the code logs that account in."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    kind = ACCOUNT_EXISTS_CODE if account_exists else LOGIN_CODE
    subject, body, params = kind.render(language, {"code": code})
    notice = Notification.objects.create(
        idempotency_key=key,
        event=kind.name,
        channel=Channel.SMS,
        address=phone,
        subject=subject,
        body=body,
        params=params,
    )
    transaction.on_commit(lambda: enqueue([notice.pk]), robust=True)
    return notice


USER_NOTICE_CHANNELS = (Channel.IN_APP, Channel.SMS, Channel.EMAIL)
SMS_LIMIT_WINDOW = datetime.timedelta(days=1)
SMS_SKIPPED = "Not sent: the SMS limit of this number or sender was reached."


def _action_sms(since: datetime.datetime):
    """SMS written for people's actions (queue_user_notice): not case notices, not login codes,
    and not those skipped at the limit."""
    return (
        Notification.objects.filter(channel=Channel.SMS, complaint__isnull=True, created_at__gte=since)
        .exclude(event__in=CODE_EVENTS)
        .exclude(status=NoticeStatus.FAILED, attempts=0)
    )


def sms_limit_refusal(*, phone: str, sender: AbstractBaseUser | None) -> Throttled | None:
    """The refusal owed when one more SMS on a person's action would pass a limit: at most
    SMS_PER_NUMBER_PER_DAY to one number and SMS_PER_SENDER_PER_DAY caused by one sender in
    24 hours, so nobody can text a number again and again through the platform."""
    since = timezone.now() - SMS_LIMIT_WINDOW
    checks = [(_action_sms(since).filter(address=phone), settings.SMS_PER_NUMBER_PER_DAY)]
    if sender is not None:
        checks.append((_action_sms(since).filter(params__sender=str(sender.pk)), settings.SMS_PER_SENDER_PER_DAY))
    for rows, limit in checks:
        sent = list(rows.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(sent) >= limit:
            oldest = sent[-1] if sent else timezone.now()
            wait = max(1, int((oldest + SMS_LIMIT_WINDOW - timezone.now()).total_seconds()) + 1)
            return Throttled(_("Too many text messages to this number today. Try again later."), retry_after=wait)
    return None


def check_sms_limit(*, phone: str, sender: AbstractBaseUser | None) -> None:
    """Refuse (429) an action whose whole point is an SMS, before anything is written."""
    refusal = sms_limit_refusal(phone=phone, sender=sender)
    if refusal is not None:
        raise refusal


def queue_user_notice(
    user: AbstractBaseUser | None,
    event: str,
    key: str,
    context: dict,
    *,
    channels: tuple[str, ...] = USER_NOTICE_CHANNELS,
    phone: str = "",
    language: str = "",
    sender: AbstractBaseUser | None = None,
) -> list[Notification]:
    """Write the notices of an event that concerns one person rather than a case (an enrolment
    decision, an invitation): in-app, and by SMS and email where the user has them. Without a
    user, `phone` gets the SMS (an invitation to a number).

    Every SMS counts against the limits of sms_limit_refusal; one past them is not sent but
    recorded as failed, so the action goes through and staff see why the text did not go.
    Actions that are only an SMS check check_sms_limit first and refuse instead.

    `context` fills the text; its "link" is a path on the site. `key` makes the rows idempotent.
    Call inside the event's transaction.
    """
    notice = notice_type(event)
    link = context.get("link", "")
    rows = []
    if user is not None:
        recipients = user_recipients([user], channels)
    else:
        recipients = [Recipient(Channel.SMS, phone, None, language)] if phone and Channel.SMS in channels else []
    for r in recipients:
        values = {**context, "link": settings.SITE_URL + link}
        subject, body, params = notice.render(r.language or settings.LANGUAGE_CODE, values)
        status = NoticeStatus.SENT if r.channel == Channel.IN_APP else NoticeStatus.PENDING
        error = ""
        if r.channel == Channel.SMS:
            if sender is not None:
                params["sender"] = str(sender.pk)
            if sms_limit_refusal(phone=r.address, sender=sender) is not None:
                status, error = NoticeStatus.FAILED, SMS_SKIPPED
        row, created = Notification.objects.get_or_create(
            idempotency_key=f"{key}:{r.channel}:{r.address or f'user{user.pk}'}",
            defaults=dict(
                event=notice.name,
                channel=r.channel,
                recipient=user,
                address=r.address,
                subject=subject[:200],
                body=body,
                params=params,
                link=link,
                status=status,
                last_error=error,
                sent_at=timezone.now() if r.channel == Channel.IN_APP else None,
            ),
        )
        if created:
            rows.append(row)
    pending = [n.pk for n in rows if n.status == NoticeStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: enqueue(pending), robust=True)
    return rows


# --- in-app notices read, failed notices sent again, delivery receipts ---------------------


def mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own unread in-app notices read: those in `ids`, or all of them when
    `ids` is None. Anyone else's notices are left alone. Returns how many were marked."""
    notices = Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    return notices.update(read_at=timezone.now())


def send_again(notice: Notification) -> None:
    """Put a failed notice back to pending, its tries kept so its history stays visible, and
    queue it after commit. Call inside a transaction with the row locked."""
    notice.status = NoticeStatus.PENDING
    notice.next_attempt_at = timezone.now()
    notice.claimed_at = None
    notice.save(update_fields=["status", "next_attempt_at", "claimed_at"])
    transaction.on_commit(lambda: enqueue([notice.pk]), robust=True)


@dataclass(frozen=True)
class Receipt:
    """A gateway's delivery report for one message."""

    message_id: str
    delivered: bool
    at: datetime.datetime | None = None
    error: str = ""


def record_delivery(receipt: Receipt) -> list[Notification]:
    """Record a delivery receipt on its notices (proof of notice); return the notices it
    changed. Unknown message ids and repeated receipts change nothing.

    Call inside a transaction: the rows are locked so that the same receipt sent twice at
    once is recorded (and told, by the caller) once."""
    status = DeliveryStatus.DELIVERED if receipt.delivered else DeliveryStatus.UNDELIVERED
    at = receipt.at or timezone.now()
    changed = []
    notices = Notification.objects.select_for_update().filter(
        provider_message_id=receipt.message_id, channel=Channel.SMS
    )
    for notice in notices:
        if notice.delivery_status == status:
            continue
        notice.delivery_status = status
        notice.delivered_at = at if receipt.delivered else None
        notice.delivery_error = "" if receipt.delivered else receipt.error[:200]
        notice.save(update_fields=["delivery_status", "delivered_at", "delivery_error"])
        changed.append(notice)
    return changed
