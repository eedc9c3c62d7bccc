from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("Email")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryStatus(models.TextChoices):
    """What the gateway's delivery receipt said (proof of notice); blank until one arrives."""

    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")


class Notification(models.Model):
    """The outbox: one row per recipient and channel, written in the transaction
    that caused it and sent by a task after commit."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    event = models.CharField(_("event"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Meta's (recipient, channel, read_at) index serves it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    address = models.CharField(_("recipient"), max_length=254, blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # The values the text was written with (case, deadline, link ...): template gateways
    # send an approved template code with these instead of the text.
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the next try is due (retries back off) and when a worker last took the row.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The gateway's delivery receipt (POST /api/v1/notifications/receipts/).
    delivery_status = models.CharField(
        _("delivery"), max_length=12, choices=DeliveryStatus.choices, blank=True, default=""
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The outbox sweep runs every few seconds; these partial indexes hold only the rows
            # it looks for (unsent ones), so its cost does not grow with the notices ever sent.
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="notice_pending_due"),
            models.Index(fields=["claimed_at"], condition=models.Q(status="sending"), name="notice_sending_claimed"),
            models.Index(fields=["-created_at"], condition=models.Q(status="failed"), name="notice_failed_recent"),
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(fields=["provider_message_id"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.channel}:{self.address or self.recipient_id}"
