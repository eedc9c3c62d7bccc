"""Writing notices: outbox rows in the caller's transaction, sent by a task after commit."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User

from .models import Channel, NoticeStatus, Notification
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


def _render(event: str, complaint, language: str, extra: dict) -> tuple[str, str]:
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
        return str(SUBJECTS[event]).format(**values), str(BODIES[event]).format(**values)


def queue_case_notices(*, complaint, event: str, key: str, actor=None, extra: dict | None = None) -> list[Notification]:
    """Write the notices owed for a case event. Call inside the event's transaction.

    `key` makes the rows idempotent: writing the same event twice adds nothing.
    """
    rows = []
    for audience, channels in AUDIENCES[event]:
        for r in _audience(complaint, audience, channels, actor):
            subject, body = _render(event, complaint, r.language or settings.LANGUAGE_CODE, extra or {})
            who = r.address or f"user{r.user.pk}"
            notice, created = Notification.objects.get_or_create(
                idempotency_key=f"{key}:{r.channel}:{who}",
                defaults=dict(
                    event=event,
                    channel=r.channel,
                    recipient=r.user,
                    address=r.address,
                    complaint=complaint,
                    subject=subject,
                    body=body,
                    link=reverse("complaints:detail", args=[complaint.pk]),
                    # An in-app notice is delivered by being written.
                    status=NoticeStatus.SENT if r.channel == Channel.IN_APP else NoticeStatus.PENDING,
                    sent_at=timezone.now() if r.channel == Channel.IN_APP else None,
                ),
            )
            if created:
                rows.append(notice)
    pending = [n.pk for n in rows if n.status == NoticeStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: enqueue(pending), robust=True)
    return rows


def enqueue(notification_ids: list[int]) -> None:
    from .tasks import send_notification

    for pk in notification_ids:
        try:
            send_notification.delay(pk)
        except Exception:  # noqa: BLE001 - a broker outage only delays: the sweep re-queues the row
            logger.warning("could not queue notice %s; the sweep will retry", pk)


def queue_code_sms(*, phone: str, code: str, key: str) -> Notification:
    body = _("[315] Your verification code is {code}. It is valid for 5 minutes. Never share it.").format(code=code)
    notice = Notification.objects.create(
        idempotency_key=key, event="login_code", channel=Channel.SMS, address=phone, body=body
    )
    transaction.on_commit(lambda: enqueue([notice.pk]), robust=True)
    return notice
