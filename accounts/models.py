from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

SESSION_HASH_SALT = "accounts.User.get_session_auth_hash"


class Council(models.Model):
    """A consumer council; councils form a tree (province > city > district).

    `path` is the materialised chain of ids ("/1/4/9/") so a jurisdiction is one
    indexed prefix match.
    """

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, editable=False, db_index=True)
    case_prefix = models.CharField(_("case number prefix"), max_length=4, default="HB")
    working_days = models.BooleanField(
        _("count deadlines in working days"),
        default=False,
        help_text=_("Use the official Chinese calendar of public holidays and working weekend days."),
    )
    merchant_days = models.PositiveSmallIntegerField(_("days for the merchant to answer"), default=7)
    consumer_days = models.PositiveSmallIntegerField(_("days for the consumer to answer"), default=7)
    settlement_days = models.PositiveSmallIntegerField(_("days to settle before mediation"), default=14)
    fulfilment_days = models.PositiveSmallIntegerField(_("days to carry out a settlement"), default=15)
    confirmation_days = models.PositiveSmallIntegerField(_("days for the consumer to confirm"), default=7)
    review_days = models.PositiveSmallIntegerField(_("days for council review"), default=7)
    mediation_days = models.PositiveSmallIntegerField(_("days for mediation"), default=30)
    # Targets the staff dashboard shows each figure beside (SPEC "Supervision"). Empty means
    # "as the council above", and at the top the published defaults (supervision/targets.py).
    target_handling_rate = models.PositiveSmallIntegerField(
        _("target: share answered within the deadline (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Leave empty to use the target of the council above (default 90%)."),
    )
    target_satisfaction = models.PositiveSmallIntegerField(
        _("target: satisfaction (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Average score as a share of 5: 85% means at least 4.25 of 5. Empty: as the council above."),
    )
    target_first_response_hours = models.PositiveSmallIntegerField(
        _("target: first response within (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty to use the target of the council above (default 24 hours)."),
    )

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The path is structural (derived from parent and id), so it is kept here.
        super().save(*args, **kwargs)
        prefix = self.parent.path if self.parent_id else "/"
        path = f"{prefix}{self.pk}/"
        if path != self.path:
            self.path = path
            Council.objects.filter(pk=self.pk).update(path=path)


class Role(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    MERCHANT_OWNER = "merchant_owner", _("Merchant owner")
    MERCHANT_AGENT = "merchant_agent", _("Merchant agent")
    SUPERVISOR = "supervisor", _("Council supervisor")
    MEDIATOR = "mediator", _("Council mediator")
    # Council staff who take complaints by phone, at the counter or by post: they file for
    # consumers and see only the cases they filed (complaints.access).
    INTAKE_CLERK = "intake_clerk", _("Council intake clerk")


MERCHANT_ROLES = frozenset({Role.MERCHANT_OWNER, Role.MERCHANT_AGENT})
# Council staff who supervise cases: the queue, the dashboard, every case of their jurisdiction.
STAFF_ROLES = frozenset({Role.SUPERVISOR, Role.MEDIATOR})
# Council staff who file complaints for consumers (staff intake).
INTAKE_ROLES = frozenset({Role.SUPERVISOR, Role.INTAKE_CLERK})


class User(AbstractUser):
    """A person with exactly one role. Consumers sign in with their mobile number."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CONSUMER)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile number"), max_length=20, unique=True, null=True, blank=True)
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("council")
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("merchant"),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    # Raised by "sign out everywhere": every session logged in before it no longer matches
    # get_session_auth_hash(), as after a password change.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Council staff searching the case list also find a caller's cases by their full name
        # (complaints.filters, name__iexact): without this index every search reads every user.
        indexes = [models.Index(Upper("name"), name="user_name_upper")]
        constraints = [
            models.CheckConstraint(
                name="staff_have_a_council",
                condition=~models.Q(role__in=["supervisor", "mediator", "intake_clerk"])
                | models.Q(council__isnull=False),
            ),
            models.CheckConstraint(
                name="merchant_users_have_a_merchant",
                condition=~models.Q(role__in=["merchant_owner", "merchant_agent"]) | models.Q(merchant__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def _get_session_auth_hash(self, secret=None):
        # Django's hash of the password hash (for SECRET_KEY and each fallback key), with the session
        # generation once it was raised; generation 0 keeps the hash, and the sessions, of before.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    @property
    def is_consumer(self) -> bool:
        return self.role == Role.CONSUMER

    @property
    def is_merchant_user(self) -> bool:
        return self.role in MERCHANT_ROLES

    @property
    def is_council_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def files_for_consumers(self) -> bool:
        return self.role in INTAKE_ROLES


class SmsCode(models.Model):
    """A one-time sign-up or login code. Only its hash is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "created_at"]), models.Index(fields=["ip", "created_at"])]

    def __str__(self) -> str:
        return f"code for {self.phone[:3]}****"
