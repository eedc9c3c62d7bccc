"""The SMS gateway's delivery receipts (proof of notice): recorded on the notice and on the
case's timeline (complaints.notices.record_receipts)."""

import hashlib
import hmac
import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.parsers import check_json_body
from notifications.services import Receipt

from .notices import record_receipts

SIGNATURE_HEADER = "X-Receipt-Signature"
MAX_RECEIPTS = 1000
RECEIPT_STATUSES = [("delivered", gettext_lazy("Delivered")), ("failed", gettext_lazy("Not delivered"))]


class ReceiptSerializer(serializers.Serializer):
    """One delivery report from the SMS gateway (the body may also be a list of them)."""

    message_id = serializers.CharField(
        max_length=100, help_text=gettext_lazy("The gateway's message id (BizId, SerialNo).")
    )
    status = serializers.ChoiceField(choices=RECEIPT_STATUSES)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)
    error = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReceiptAnswerSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text=gettext_lazy("How many notices the receipts changed."))


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
            Receipt(
                message_id=item["message_id"],
                delivered=item["status"] == "delivered",
                at=item.get("delivered_at"),
                error=item.get("error") or "",
            )
            for item in serializer.validated_data
        ]
        return Response({"updated": record_receipts(receipts)})
