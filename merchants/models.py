from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ENROLLED = "enrolled", _("Enrolled")
    SUSPENDED = "suspended", _("Suspended")
    REFUSED = "refused", _("Refused")


class Merchant(models.Model):
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    region = models.ForeignKey(
        "accounts.Council", on_delete=models.PROTECT, related_name="merchants", verbose_name=_("region")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    notice_phones = models.JSONField(_("SMS notice phones"), default=list, blank=True)
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MerchantStatus.choices, default=MerchantStatus.APPLIED
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_enrolled(self) -> bool:
        return self.status == MerchantStatus.ENROLLED


class OverdueMark(models.Model):
    """A mark on a merchant's record for a deadline it let pass on a case (once per stage)."""

    class Stage(models.TextChoices):
        ANSWER = "answer", _("Did not answer in time")
        FULFILMENT = "fulfilment", _("Did not carry out the settlement in time")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="overdue_marks")
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="overdue_marks")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("overdue mark")
        verbose_name_plural = _("overdue marks")
        constraints = [models.UniqueConstraint(fields=["complaint", "stage"], name="one_overdue_mark_per_stage")]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.get_stage_display()}"


class EnrolmentApplicant(models.Model):
    """Who applied for a merchant's enrolment; becomes the owner on approval."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="applicant")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_applications")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} → {self.merchant}"
