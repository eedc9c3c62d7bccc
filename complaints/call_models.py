"""Calls between the merchant and the consumer through a privacy number (complaints.calls):
the bindings made for a case and the calls the gateway reported. Imported by models.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallDirection(models.TextChoices):
    """Who asked for the binding; either side may dial the middle number once it exists."""

    TO_CONSUMER = "to_consumer", _("The merchant calls the consumer")
    TO_MERCHANT = "to_merchant", _("The consumer calls the merchant")


class BindingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    # To be unbound at the gateway: the case closed, calls were turned off, it expired, or the
    # unbinding failed and is tried again by the periodic job.
    UNBINDING = "unbinding", _("Being unbound")
    UNBOUND = "unbound", _("Unbound")


class CaseBinding(models.Model):
    """One AXB binding for a case: the consumer's phone and a merchant phone joined to a middle
    number. The consumer's number is kept only to tell who called and to unbind; no page, API
    answer or export shows it to the merchant."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="call_bindings")
    direction = models.CharField(_("direction"), max_length=12, choices=CallDirection.choices)
    # The merchant user whose phone is bound; empty when the merchant's notice phone is.
    merchant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consumer_phone = models.CharField(max_length=20, blank=True)
    merchant_phone = models.CharField(max_length=20)
    middle_number = models.CharField(_("privacy number"), max_length=20)
    provider = models.CharField(max_length=20)
    subscription_id = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("bound at"))
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(_("status"), max_length=10, choices=BindingStatus.choices, default=BindingStatus.ACTIVE)
    unbound_at = models.DateTimeField(_("unbound at"), null=True, blank=True)
    unbind_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("privacy-number binding")
        verbose_name_plural = _("privacy-number bindings")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subscription_id"], name="one_binding_per_subscription"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="binding_status_expiry"),
            models.Index(fields=["complaint", "status"], name="binding_case_status"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.direction} via {self.middle_number}"


class CaseCall(models.Model):
    """One call the gateway reported through a case's binding; the same report twice is one row."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="calls")
    binding = models.ForeignKey(CaseBinding, on_delete=models.CASCADE, related_name="calls")
    provider = models.CharField(max_length=20)
    call_id = models.CharField(max_length=100)
    # "consumer" or "merchant": who dialled the middle number.
    caller_party = models.CharField(max_length=10)
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    answered = models.BooleanField(_("answered"), default=False)
    event = models.OneToOneField(
        "complaints.ComplaintEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["provider", "call_id"], name="one_call_per_provider_id")]

    def __str__(self) -> str:
        return f"{self.complaint_id} call {self.call_id}"
