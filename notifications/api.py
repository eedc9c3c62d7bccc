"""Notifications API: the caller's in-app notices, marking one read, and the SMS gateway's
delivery receipts (proof of notice)."""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.parsers import check_json_body

from . import selectors, services
from .serializers import InAppNoticeSerializer, ReceiptAnswerSerializer, ReceiptSerializer

SIGNATURE_HEADER = "X-Receipt-Signature"
MAX_RECEIPTS = 1000


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


def signature_is_valid(body: bytes, signature: str) -> bool:
    """HMAC-SHA256 of the raw body with SMS_RECEIPT_SECRET, hex, optionally "sha256="-prefixed."""
    secret = settings.SMS_RECEIPT_SECRET
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    given = signature.strip().lower().removeprefix("sha256=").encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


class DeliveryReceiptView(APIView):
    """The SMS gateway (or a relay in front of it) reports what became of each message.

    No login: the body is authenticated by its signature. Receipts for unknown message ids,
    and receipts already recorded, change nothing and still answer 200.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="notifications_receipts",
        request=ReceiptSerializer(many=True),
        responses={200: ReceiptAnswerSerializer},
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="Hex HMAC-SHA256 of the raw body with the shared secret (SMS_RECEIPT_SECRET).",
            )
        ],
        description="A receipt object or a list of them.",
    )
    def post(self, request):
        body = request.body
        if not signature_is_valid(body, request.headers.get(SIGNATURE_HEADER, "")):
            raise exceptions.PermissionDenied(_("The receipt's signature is missing or wrong."))
        check_json_body(body)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise exceptions.ParseError(_("The body is not valid JSON.")) from None
        single = not isinstance(data, list)
        items = [data] if single else data
        if len(items) > MAX_RECEIPTS:
            raise exceptions.ValidationError({"receipts": [_("At most 1000 receipts at a time.")]})
        serializer = ReceiptSerializer(data=items, many=True)
        if not serializer.is_valid():
            raise exceptions.ValidationError(serializer.errors[0] if single else {"receipts": serializer.errors})
        receipts = [
            services.Receipt(
                message_id=item["message_id"],
                delivered=item["status"] == "delivered",
                at=item.get("delivered_at"),
                error=item.get("error") or "",
            )
            for item in serializer.validated_data
        ]
        return Response({"updated": services.record_receipts(receipts)})
