"""Reading notices with their rules: a person's own in-app notices. (The case notices of a
council's jurisdiction are read for its staff in supervision.notice_selectors.)"""

from django.db.models import QuerySet

from .models import Channel, Notification


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
