"""Reading the case notices of a council's jurisdiction for its staff: how delivery stands,
and the failed notices to send again. Which notices a staff member may see is
complaints.notices.staff_notices (the retry reaches them through it too)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.notices import staff_notices
from notifications.models import Channel, NoticeStatus, Notification

OVERVIEW_WINDOW = datetime.timedelta(hours=24)


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
