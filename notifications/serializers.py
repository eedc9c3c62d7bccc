"""Shapes of the notifications API: the caller's in-app notices, and gateways' delivery receipts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Notification

RECEIPT_STATUSES = [("delivered", _("Delivered")), ("failed", _("Not delivered"))]


class InAppNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "subject", "body", "link", "created_at", "read_at"]
        read_only_fields = fields


class ReceiptSerializer(serializers.Serializer):
    """One delivery report from the SMS gateway (the body may also be a list of them)."""

    message_id = serializers.CharField(max_length=100, help_text=_("The gateway's message id (BizId, SerialNo)."))
    status = serializers.ChoiceField(choices=RECEIPT_STATUSES)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)
    error = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReceiptAnswerSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text=_("How many notices the receipts changed."))
