from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Notification
from .notices import CODE_EVENTS


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: operators see what was sent, what is pending and what failed
    (with the gateway's error); the sending tasks alone change a notice."""

    list_display = [
        "created_at",
        "event",
        "channel",
        "recipient_display",
        "complaint",
        "status",
        "attempts",
        "sent_at",
        "delivery_status",
        "read_at",
    ]
    list_filter = ["status", "channel", "delivery_status", "event", "created_at"]
    search_fields = [
        "idempotency_key",
        "address",
        "complaint__case_number",
        "recipient__username",
        "provider_message_id",
    ]
    list_select_related = ["recipient", "complaint"]
    date_hierarchy = "created_at"
    fields = [
        "idempotency_key",
        "event",
        "channel",
        "recipient",
        "address",
        "complaint",
        "subject",
        "body_display",
        "params_display",
        "link",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "delivery_status",
        "delivered_at",
        "delivery_error",
        "read_at",
    ]

    @admin.display(description=_("recipient"))
    def recipient_display(self, obj):
        return obj.address or obj.recipient

    @admin.display(description=_("text"))
    def body_display(self, obj):
        # A pending login code is still in clear text; nobody but its owner should read it.
        return _("(one-time code, not shown)") if obj.event in CODE_EVENTS else obj.body

    @admin.display(description=_("template parameters"))
    def params_display(self, obj):
        return _("(one-time code, not shown)") if obj.event in CODE_EVENTS else obj.params

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
