"""Writing notices: outbox rows in the caller's transaction, sent by a task after commit."""

import datetime
import logging
import time
from dataclasses import dataclass

import kombu.pools
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from mediation.errors import NotAllowed, Throttled

from .models import Channel, DeliveryStatus, NoticeStatus, Notification
from .texts import BODIES, SUBJECTS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str = ""
    user: User | None = None
    language: str = ""  # "" is the platform's language, read when the notice is written


# Who is told of each case event, on which channels (SPEC "Notifications").
AUDIENCES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "filed": (("merchant_phones", (Channel.SMS,)),),
    "asked_again": (("merchant_phones", (Channel.SMS,)), ("merchant_users", (Channel.IN_APP,))),
    "responded": (("consumer", (Channel.SMS, Channel.IN_APP)),),
    "review_accepted": (("consumer", (Channel.SMS, Channel.IN_APP)),),
    "rejected": (("consumer", (Channel.SMS, Channel.IN_APP)),),
    "escalated": (
        ("consumer", (Channel.SMS, Channel.IN_APP)),
        ("merchant_users", (Channel.IN_APP,)),
        ("supervisors", (Channel.IN_APP, Channel.EMAIL)),
    ),
    "mediator_assigned": (("mediator", (Channel.IN_APP, Channel.EMAIL)),),
    "settled": (
        ("consumer", (Channel.SMS, Channel.IN_APP)),
        ("merchant_phones", (Channel.SMS,)),
        ("merchant_users", (Channel.IN_APP,)),
    ),
    "fulfilled": (("consumer", (Channel.SMS, Channel.IN_APP)),),
    "closed": (("consumer", (Channel.SMS, Channel.IN_APP)), ("merchant_users", (Channel.IN_APP,))),
    "reminder": (("merchant_phones", (Channel.SMS,)),),
    "merchant_overdue": (("merchant_phones", (Channel.SMS,)),),
    "staff_overdue": (("supervisors", (Channel.IN_APP, Channel.EMAIL)),),
    "consumer_moved": (("merchant_users", (Channel.IN_APP,)),),
    "message": (("other_parties", (Channel.IN_APP,)),),
}
# Violations (merchants.services): the supervising council is told of a report; the
# consumer and the merchant of the decision.
AUDIENCES.update(
    {
        "violation_reported": (("supervisors", (Channel.IN_APP, Channel.EMAIL)),),
        "violation_confirmed": (("consumer", (Channel.SMS, Channel.IN_APP)), ("merchant_users", (Channel.IN_APP,))),
        "violation_dismissed": (("consumer", (Channel.IN_APP,)), ("merchant_users", (Channel.IN_APP,))),
    }
)


def _user_recipients(users, channels) -> list[Recipient]:
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


def _audience(complaint, audience: str, channels, actor) -> list[Recipient]:
    if audience == "merchant_phones":
        if not (complaint.merchant_id and complaint.merchant.is_enrolled):
            return []
        return [Recipient(Channel.SMS, phone) for phone in complaint.merchant.notice_phones]
    if audience == "merchant_users":
        if not complaint.merchant_id:
            return []
        members = complaint.merchant.members.filter(is_active=True)
        if complaint.agent_id:
            members = members.filter(pk=complaint.agent_id) | members.filter(role=Role.MERCHANT_OWNER)
        else:
            members = members.filter(role=Role.MERCHANT_OWNER)
        return _user_recipients(members, channels)
    if audience == "consumer":
        return _user_recipients([complaint.consumer], channels)
    if audience == "mediator":
        return _user_recipients([complaint.mediator] if complaint.mediator_id else [], channels)
    if audience == "supervisors":
        supervisors = User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, council__path__in=_ancestor_paths(complaint.council_path)
        )
        return _user_recipients(supervisors, channels)
    if audience == "other_parties":
        people = [complaint.consumer]
        if complaint.merchant_id:
            people += list(complaint.merchant.members.filter(is_active=True))
        if complaint.mediator_id:
            people.append(complaint.mediator)
        return _user_recipients([p for p in people if actor is None or p.pk != actor.pk], channels)
    raise ValueError(audience)


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _render(event: str, complaint, language: str, extra: dict) -> tuple[str, str, dict]:
    """Subject, text and the values they were written with (the template parameters)."""
    with translation.override(language):
        deadline = ""
        if complaint.due_at:
            deadline = formats.date_format(timezone.localtime(complaint.due_at), "SHORT_DATETIME_FORMAT")
        values = {
            "case": complaint.case_number,
            "deadline": deadline,
            "link": settings.SITE_URL + reverse("complaints:detail", args=[complaint.pk]),
            "outcome": complaint.get_outcome_display(),
            **extra,
        }
        params = {name: str(value) for name, value in values.items()}
        return str(SUBJECTS[event]).format(**values), str(BODIES[event]).format(**values), params


def queue_case_notices(*, complaint, event: str, key: str, actor=None, extra: dict | None = None) -> list[Notification]:
    """Write the notices owed for a case event. Call inside the event's transaction.

    `key` makes the rows idempotent: writing the same event twice adds nothing.
    """
    owed = {}
    for audience, channels in AUDIENCES[event]:
        for r in _audience(complaint, audience, channels, actor):
            subject, body, params = _render(event, complaint, r.language or settings.LANGUAGE_CODE, extra or {})
            who = r.address or f"user{r.user.pk}"
            owed.setdefault(
                f"{key}:{r.channel}:{who}",
                Notification(
                    idempotency_key=f"{key}:{r.channel}:{who}",
                    event=event,
                    channel=r.channel,
                    recipient=r.user,
                    address=r.address,
                    complaint=complaint,
                    subject=subject,
                    body=body,
                    params=params,
                    link=reverse("complaints:detail", args=[complaint.pk]),
                    # An in-app notice is delivered by being written.
                    status=NoticeStatus.SENT if r.channel == Channel.IN_APP else NoticeStatus.PENDING,
                    sent_at=timezone.now() if r.channel == Channel.IN_APP else None,
                ),
            )
    # One read and one insert, whatever the number of recipients. The case's row lock, held
    # by the caller, keeps two writers of one event apart; the unique key is the backstop.
    written = set(Notification.objects.filter(idempotency_key__in=owed).values_list("idempotency_key", flat=True))
    rows = Notification.objects.bulk_create([n for k, n in owed.items() if k not in written])
    pending = [n.pk for n in rows if n.status == NoticeStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: enqueue(pending), robust=True)
    return rows


# A broker that refuses connections fails a publish in a millisecond; one that hangs costs a
# socket timeout (CELERY_BROKER_TRANSPORT_OPTIONS). After such a slow failure this process
# leaves the broker alone for a moment, so a hung broker costs one request a timeout rather
# than every request. The rows stay pending and the sweep sends them: nothing is lost.
BROKER_PAUSE_SECONDS = 10.0
SLOW_FAILURE_SECONDS = 0.25
_broker_paused_until: dict[str, float] = {}  # broker URL -> time.monotonic() deadline


def enqueue(notification_ids: list[int], *, sweeping: bool = False) -> int:
    """Publish a send task per notice; return how many reached the broker.

    Never raises: a broker outage only delays notices. The first failure ends the batch
    (the rest would wait on the same dead broker). The sweep (`sweeping=True`) tries even
    during a pause, as it is how notices get out after an outage.
    """
    from mediation.celery import app

    from .tasks import send_notification

    url = str(app.conf.broker_url)
    if not sweeping and _broker_paused_until.get(url, 0.0) > time.monotonic():
        logger.warning("broker unavailable: %d notices left for the sweep", len(notification_ids))
        _leave_for_sweep(notification_ids)
        return 0
    queued = 0
    for pk in notification_ids:
        started = time.monotonic()
        try:
            send_notification.delay(pk)
        except Exception:  # noqa: BLE001 - any broker error: the row stays pending for the sweep
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
        queued += 1
    else:
        _broker_paused_until.pop(url, None)
    return queued


def _drop_broker_connections(app) -> None:
    try:
        kombu.pools.reset()  # the producer pools, whose connections are the broken ones
        app.pool.force_close_all()
    except Exception:  # noqa: BLE001 - closing a dead connection may fail too; it is dropped either way
        logger.debug("closing broker connections failed", exc_info=True)
    app._pool = None
    app.amqp._producer_pool = None


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


def queue_code_sms(*, phone: str, code: str, key: str) -> Notification:
    body = str(BODIES["login_code"]).format(code=code)
    notice = Notification.objects.create(
        idempotency_key=key, event="login_code", channel=Channel.SMS, address=phone, body=body, params={"code": code}
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
        .exclude(event="login_code")
        .exclude(status=NoticeStatus.FAILED, attempts=0)
    )


def sms_limit_refusal(*, phone: str, sender: User | None) -> Throttled | None:
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


def check_sms_limit(*, phone: str, sender: User | None) -> None:
    """Refuse (429) an action whose whole point is an SMS, before anything is written."""
    refusal = sms_limit_refusal(phone=phone, sender=sender)
    if refusal is not None:
        raise refusal


def queue_user_notice(
    user: User | None,
    event: str,
    key: str,
    context: dict,
    *,
    channels: tuple[str, ...] = USER_NOTICE_CHANNELS,
    phone: str = "",
    language: str = "",
    sender: User | None = None,
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
    link = context.get("link", "")
    rows = []
    if user is not None:
        recipients = _user_recipients([user], channels)
    else:
        recipients = [Recipient(Channel.SMS, phone, None, language)] if phone and Channel.SMS in channels else []
    for r in recipients:
        with translation.override(r.language or settings.LANGUAGE_CODE):
            values = {**context, "link": settings.SITE_URL + link}
            subject, body = str(SUBJECTS[event]).format(**values), str(BODIES[event]).format(**values)
            params = {name: str(value) for name, value in values.items()}
        status = NoticeStatus.SENT if r.channel == Channel.IN_APP else NoticeStatus.PENDING
        error = ""
        if r.channel == Channel.SMS:
            if sender is not None:
                params["sender"] = str(sender.pk)
            if sms_limit_refusal(phone=r.address, sender=sender) is not None:
                status, error = NoticeStatus.FAILED, SMS_SKIPPED
        notice, created = Notification.objects.get_or_create(
            idempotency_key=f"{key}:{r.channel}:{r.address or f'user{user.pk}'}",
            defaults=dict(
                event=event,
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
            rows.append(notice)
    pending = [n.pk for n in rows if n.status == NoticeStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: enqueue(pending), robust=True)
    return rows


# --- in-app notices, staff retries and delivery receipts ----------------------------------


def mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own unread in-app notices read: those in `ids`, or all of them when
    `ids` is None. Anyone else's notices are left alone. Returns how many were marked."""
    notices = Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    return notices.update(read_at=timezone.now())


@transaction.atomic
def retry_notice(*, actor, notice_id) -> Notification:
    """Send a failed notice again (council staff, within their jurisdiction; 404 otherwise).

    The row goes back to pending with its tries kept, so its history stays visible; the
    task is queued after commit. A notice that is no longer failed is left as it is.
    """
    from complaints.access import masked_recipient
    from complaints.models import Visibility
    from complaints.timeline import append_event

    from .selectors import staff_notices

    if not actor.is_council_staff:
        raise NotAllowed(_("Only council staff send notices again."))
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk < 2**63:
        raise Http404(_("No such notice."))
    notice = staff_notices(actor).select_for_update(of=("self",)).select_related("complaint").filter(pk=pk).first()
    if notice is None:
        raise Http404(_("No such notice."))
    if notice.status != NoticeStatus.FAILED:
        return notice
    notice.status = NoticeStatus.PENDING
    notice.next_attempt_at = timezone.now()
    notice.claimed_at = None
    notice.save(update_fields=["status", "next_attempt_at", "claimed_at"])
    append_event(
        notice.complaint,
        kind="notice_retried",
        actor=actor,
        data={"notice": notice.pk, "channel": notice.channel, "recipient": masked_recipient(notice)},
        visibility=Visibility.STAFF,
    )
    transaction.on_commit(lambda: enqueue([notice.pk]), robust=True)
    return notice


@dataclass(frozen=True)
class Receipt:
    """A gateway's delivery report for one message."""

    message_id: str
    delivered: bool
    at: datetime.datetime | None = None
    error: str = ""


def record_receipts(receipts: list[Receipt]) -> int:
    """Record delivery receipts on their notices (proof of notice); return how many notices
    changed. Unknown message ids and repeated receipts change nothing."""
    return sum(_record_receipt(receipt) for receipt in receipts)


@transaction.atomic
def _record_receipt(receipt: Receipt) -> int:
    from complaints.access import masked_recipient
    from complaints.models import Complaint, Visibility
    from complaints.timeline import append_event

    status = DeliveryStatus.DELIVERED if receipt.delivered else DeliveryStatus.UNDELIVERED
    at = receipt.at or timezone.now()
    changed = 0
    # Locked so that the same receipt sent twice at once is recorded (and told) once.
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
        changed += 1
        if notice.complaint_id is None:
            continue  # a login code: no case timeline to tell
        complaint = Complaint.objects.select_for_update().get(pk=notice.complaint_id)
        # A text to the merchant's notice phone proves to every party that the merchant was told;
        # receipts of texts to people are for staff.
        merchant_phone = notice.recipient_id is None
        append_event(
            complaint,
            kind="notice_delivered" if receipt.delivered else "notice_undelivered",
            data={
                "notice": notice.pk,
                "event": notice.event,
                "channel": notice.channel,
                "recipient": masked_recipient(notice),
                "at": at.isoformat(),
                **({} if receipt.delivered else {"error": notice.delivery_error}),
            },
            visibility=Visibility.PARTIES if merchant_phone else Visibility.STAFF,
        )
    return changed
