"""Notifications API: the caller's in-app notices, and marking one read."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Channel, Notification
from .serializers import InAppNoticeSerializer


def in_app_notices_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def mark_read(*, user, notice_id: int) -> Notification:
    """Mark one of the user's in-app notices read (idempotent); anyone else's answers 404.

    Belongs in notifications/services.py, which another person owns: move it there.
    """
    notice = in_app_notices_for(user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404(_("No such notice."))
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


@extend_schema_view(
    get=extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("unread", bool, description="Only notices not read yet.")],
    )
)
class NotificationListView(generics.ListAPIView):
    serializer_class = InAppNoticeSerializer
    filter_backends: list = []

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return in_app_notices_for(self.request.user, unread_only=unread)


class NotificationReadView(APIView):
    @extend_schema(operation_id="notifications_read", request=None, responses={200: InAppNoticeSerializer})
    def post(self, request, pk: int):
        return Response(InAppNoticeSerializer(mark_read(user=request.user, notice_id=pk)).data)
