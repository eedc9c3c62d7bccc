"""Reading notices with their rules: a person's own in-app notices, and the case notices of
a council's jurisdiction for its staff."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.models import jurisdiction_q

from .models import Channel, NoticeStatus, Notification

OVERVIEW_WINDOW = datetime.timedelta(hours=24)


def in_app_notices_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own in-app notices, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notices = Notification.objects.filter(recipient=user, channel=Channel.IN_APP)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.select_related("complaint").order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).count()


def staff_notices(user) -> QuerySet[Notification]:
    """Case notices of the staff member's jurisdiction; nothing for anyone else.

    Login-code texts belong to no case and are shown to nobody."""
    if not (user.is_authenticated and user.is_council_staff):
        return Notification.objects.none()
    return Notification.objects.filter(complaint__isnull=False).filter(
        jurisdiction_q(user.council, "complaint__council_path")
    )


def delivery_overview(user) -> dict[str, int]:
    """Notices sent by SMS or email in the staff member's jurisdiction in the last 24 hours,
    by where they stand now: {"sent", "pending", "failed"} ("pending" includes those being
    sent). In-app notices are delivered by being written, so they are not counted."""
    since = timezone.now() - OVERVIEW_WINDOW
    figures = (
        staff_notices(user)
        .filter(created_at__gte=since)
        .exclude(channel=Channel.IN_APP)
        .aggregate(
            sent=Count("pk", filter=Q(status=NoticeStatus.SENT)),
            pending=Count("pk", filter=Q(status__in=[NoticeStatus.PENDING, NoticeStatus.SENDING])),
            failed=Count("pk", filter=Q(status=NoticeStatus.FAILED)),
        )
    )
    return {name: figures[name] or 0 for name in ("sent", "pending", "failed")}


def failed_notices(user) -> QuerySet[Notification]:
    """Failed notices of the jurisdiction, newest first, for staff to send again."""
    return (
        staff_notices(user)
        .filter(status=NoticeStatus.FAILED)
        .select_related("complaint", "recipient")
        .order_by("-created_at", "-id")
    )
