"""Shapes of the notifications API: the caller's in-app notices."""

from rest_framework import serializers

from .models import Notification


class InAppNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "subject", "body", "link", "created_at", "read_at"]
        read_only_fields = fields
