from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MerchantStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ENROLLED = "enrolled", _("Enrolled")
    SUSPENDED = "suspended", _("Suspended")
    REFUSED = "refused", _("Refused")


class Sector(models.TextChoices):
    """What a merchant mainly sells; its private record compares it with its sector's median."""

    RETAIL = "retail", _("Retail")
    ECOMMERCE = "ecommerce", _("Online shop")
    FOOD_DELIVERY = "food_delivery", _("Food delivery")
    CATERING = "catering", _("Catering")
    ELECTRONICS = "electronics", _("Electronics and appliances")
    TRAVEL = "travel", _("Travel")
    EDUCATION = "education", _("Education and training")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class MerchantQuerySet(models.QuerySet):
    def in_jurisdiction(self, council) -> "MerchantQuerySet":
        """Merchants whose region is `council` or a council below it (a prefix of the
        materialised path, as complaints.models.jurisdiction_q, which this app cannot import)."""
        return self.filter(region__path__startswith=council.path)


class Merchant(models.Model):
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    region = models.ForeignKey(
        "accounts.Council", on_delete=models.PROTECT, related_name="merchants", verbose_name=_("region")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    notice_phones = models.JSONField(_("SMS notice phones"), default=list, blank=True)
    email = models.EmailField(_("email"), blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, default=Sector.OTHER)
    status = models.CharField(
        _("status"), max_length=20, choices=MerchantStatus.choices, default=MerchantStatus.APPLIED
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MerchantQuerySet.as_manager()

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"]), models.Index(fields=["sector", "status"])]

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


class MerchantDecision(models.Model):
    """A supervisor's enrolment decision on a merchant, with its reason: the merchant's audit trail."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        SUSPENDED = "suspended", _("Suspended")
        REINSTATED = "reinstated", _("Reinstated")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("enrolment decision")
        verbose_name_plural = _("enrolment decisions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.get_decision_display()}"


class ContactReveal(models.Model):
    """One look at a consumer's full phone number or delivery address by merchant staff: the
    access log council staff read."""

    class What(models.TextChoices):
        PHONE = "phone", _("Phone number")
        ADDRESS = "address", _("Delivery address")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="contact_reveals")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="contact_reveals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_reveals", verbose_name=_("who")
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    what = models.CharField(_("what"), max_length=10, choices=What.choices, default=What.PHONE, db_default=What.PHONE)

    class Meta:
        verbose_name = _("contact reveal")
        verbose_name_plural = _("contact reveals")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["complaint", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.complaint_id} · {self.created_at:%Y-%m-%d %H:%M}"


class ViolationKind(models.TextChoices):
    NEGATIVE_HANDLING = "negative_handling", _("Handled the complaint negatively")
    HARASSMENT = "harassment", _("Harassed the consumer")


class ViolationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported, awaiting the council")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Violation(models.Model):
    """A consumer's report that the merchant handled the case negatively or harassed them.

    A supervisor confirms or dismisses it; a confirmed one records the compensation owed
    (settings.VIOLATION_COMPENSATION) and counts in the merchant's record.
    """

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="violations")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="violations")
    kind = models.CharField(_("kind"), max_length=20, choices=ViolationKind.choices)
    message = models.TextField(_("what happened"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=20, choices=ViolationStatus.choices, default=ViolationStatus.REPORTED
    )
    compensation = models.DecimalField(
        _("compensation owed (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="violations_reported"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("council's reason"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "status", "decided_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.get_kind_display()} · {self.get_status_display()}"


class AgentInvitation(models.Model):
    """An owner's invitation to a mobile number to join the merchant's team as an agent.

    Nothing about the number's account shows to the owner: every invitation is pending until
    the person with that number accepts or declines it (merchants.team).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REPLACED = "replaced", _("Replaced by a newer invitation")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    phone = models.CharField(_("mobile number"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent invitation")
        verbose_name_plural = _("agent invitations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["phone", "status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} → {self.name} · {self.get_status_display()}"
