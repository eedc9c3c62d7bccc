"""Notifications API: the caller's in-app notices and marking one, or all, read. (The SMS gateway's
delivery receipts are recorded on the case too: complaints.receipts_api.)"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import InAppNoticeSerializer


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
        return selectors.in_app_notices_for(self.request.user, unread_only=unread)


class NotificationReadView(APIView):
    @extend_schema(operation_id="notifications_read", request=None, responses={200: InAppNoticeSerializer})
    def post(self, request, pk: int):
        """Mark one of the caller's in-app notices read (idempotent); anyone else's answers 404."""
        notice = selectors.in_app_notices_for(request.user).filter(pk=pk).first() if 0 < pk < 2**63 else None
        if notice is None:
            raise Http404(_("No such notice."))
        services.mark_read(user=request.user, ids=[notice.pk])
        notice.refresh_from_db(fields=["read_at"])
        return Response(InAppNoticeSerializer(notice).data)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=gettext_lazy("How many notices were marked read."))


class NotificationReadAllView(APIView):
    @extend_schema(operation_id="notifications_read_all", request=None, responses={200: MarkedSerializer})
    def post(self, request):
        """Mark all of the caller's unread in-app notices read, as the inbox page's button does."""
        return Response({"marked": services.mark_read(user=request.user)})
