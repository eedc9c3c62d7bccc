import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .search import TermsField


class Status(models.TextChoices):
    UNDER_REVIEW = "under_review", _("Under council review")
    AWAITING_MERCHANT = "awaiting_merchant", _("Awaiting the merchant")
    AWAITING_CONSUMER = "awaiting_consumer", _("Awaiting the consumer")
    IN_MEDIATION = "in_mediation", _("In mediation")
    SETTLED = "settled", _("Settled, awaiting fulfilment")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting the consumer's confirmation")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(s for s in Status.values if s != Status.CLOSED)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    UNCONFIRMED = "unconfirmed", _("Closed without confirmation")
    NOT_SETTLED = "not_settled", _("Not settled")
    NO_REPLY = "no_reply", _("No reply from the consumer")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected by the council")


class Category(models.TextChoices):
    AFTER_SALES = "after_sales", _("After-sales service")
    QUALITY = "quality", _("Quality")
    FALSE_ADVERTISING = "false_advertising", _("False advertising")
    PRICE = "price", _("Price dispute")
    DELIVERY = "delivery", _("Delivery")
    CONTRACT = "contract", _("Contract terms")
    PERSONAL_INFO = "personal_info", _("Personal information")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    ECOMMERCE = "ecommerce", _("E-commerce platform")
    LIVESTREAM = "livestream", _("Live-stream")
    SOCIAL = "social", _("Social commerce")
    FOOD_DELIVERY = "food_delivery", _("Food delivery")
    OFFLINE = "offline", _("Offline shop")
    OTHER = "other", _("Other")


class IntakeChannel(models.TextChoices):
    """How the complaint reached the platform: the consumer online, or staff who filed it for them."""

    ONLINE = "online", _("Online")
    HOTLINE = "hotline", _("Hotline")
    COUNTER = "counter", _("Counter")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")


class Remedy(models.TextChoices):
    REFUND = "refund", _("Refund")
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    COMPENSATION = "compensation", _("Compensation")
    APOLOGY = "apology", _("Apology")
    OTHER = "other", _("Other")


class Party(models.TextChoices):
    """Whose move it is on an open case."""

    COUNCIL = "council", _("Council")
    MERCHANT = "merchant", _("Merchant")
    CONSUMER = "consumer", _("Consumer")
    MEDIATOR = "mediator", _("Mediator")


def jurisdiction_q(council, field: str = "council_path") -> models.Q:
    """Rows of `council` and of every council below it, for a materialised path `field`
    (a complaint's council_path, a council's path, `complaint__council_path` on a related row).

    Always a prefix match (LIKE '/1/4/%'): the varchar_pattern_ops indexes seek that prefix."""
    return models.Q(**{f"{field}__startswith": council.path})


def overdue_q(now: datetime.datetime | None = None) -> models.Q:
    """An open case past its deadline, or one the deadline job marked overdue (a passed staff
    deadline). A passed deadline counts at once, before the job has applied it."""
    now = now or timezone.now()
    return models.Q(status__in=OPEN_STATUSES) & (models.Q(due_at__lt=now) | models.Q(is_overdue=True))


class ComplaintQuerySet(models.QuerySet):
    def in_jurisdiction(self, council) -> "ComplaintQuerySet":
        """The cases of `council` and of every council below it."""
        return self.filter(jurisdiction_q(council))

    def overdue(self, now: datetime.datetime | None = None) -> "ComplaintQuerySet":
        return self.filter(overdue_q(now))


class CaseNumberField(models.CharField):
    """The case number, returned by the complaint's INSERT: on PostgreSQL the INSERT itself takes
    the number (complaints/case_numbers.py), and the case knows it without a read."""

    db_returning = True


class Complaint(models.Model):
    case_number = CaseNumberField(_("case number"), max_length=20, unique=True)
    # No index of their own for consumer and merchant: Meta's indexes begin with each, and every
    # index is one more write for every filing.
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("consumer"),
        db_index=False,
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("merchant"),
        db_index=False,
    )
    # A merchant that is not on the platform is named by the consumer.
    merchant_name = models.CharField(_("merchant name"), max_length=200, blank=True)
    merchant_phone = models.CharField(_("merchant phone"), max_length=20, blank=True)
    council = models.ForeignKey(
        "accounts.Council", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("council")
    )
    council_path = models.CharField(max_length=255, editable=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("purchase channel"), max_length=20, choices=Channel.choices)
    platform = models.CharField(_("platform name"), max_length=100, blank=True)
    order_number = models.CharField(_("order number"), max_length=64, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2, default=0)
    demands = models.JSONField(_("demands"), default=list)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    # The n-grams text search looks up (complaints.search), written when the case is filed.
    search_terms = TermsField(blank=True, default="", editable=False)
    share_contact = models.BooleanField(_("share my contact details with the merchant"), default=False)
    # The one-time token of the submission that filed it (the form's hidden token, the API's
    # Idempotency-Key): the same submission sent again finds this case instead of filing another.
    filing_token = models.CharField(max_length=255, blank=True, default="", editable=False)
    # Staff intake: how the complaint came in, the staff member who filed it for the consumer
    # (empty when the consumer filed it) and the consent the consumer gave, in their words.
    # db_default keeps loaders that do not name these columns working.
    intake_channel = models.CharField(
        _("intake channel"),
        max_length=10,
        choices=IntakeChannel.choices,
        default=IntakeChannel.ONLINE,
        db_default=IntakeChannel.ONLINE,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_filed_for_others",
        verbose_name=_("filed by"),
    )
    consent_statement = models.TextField(_("consent statement"), blank=True, default="", db_default="")
    # When the consumer took over a case staff filed for them (the claim link, or their first
    # move of their own); until then the staff member who filed it makes the consumer's moves on
    # their behalf (complaints.access.acts_for_consumer). Empty on a case the consumer filed.
    claimed_at = models.DateTimeField(_("taken over by the consumer at"), null=True, blank=True)
    # The collective complaint (complaints.incidents) the case is handled in, if any: a case
    # belongs to at most one incident, which the column itself enforces.
    incident = models.ForeignKey(
        "complaints.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("incident"),
    )
    # The consumer may turn calls through a privacy number off for the case (complaints.calls).
    calls_enabled = models.BooleanField(_("calls through a privacy number"), default=True, db_default=True)

    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    priority_reasons = models.JSONField(default=list, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    waiting_on = models.CharField(_("whose move"), max_length=10, choices=Party.choices, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    settle_by = models.DateTimeField(_("settle by"), null=True, blank=True)
    reminder_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
    is_overdue = models.BooleanField(_("overdue"), default=False)

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
        verbose_name=_("merchant agent"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediated_complaints",
        verbose_name=_("mediator"),
    )
    # The settlement both sides agreed to: remedy, amount, due date, text, and who made it.
    agreement = models.JSONField(_("agreement"), null=True, blank=True)
    # The merchant's latest answer in the current round (offer or decline).
    offer = models.JSONField(_("merchant's answer"), null=True, blank=True)
    # The proof given when the settlement was marked carried out (complaints.proof).
    fulfilment = models.JSONField(_("proof of fulfilment"), null=True, blank=True)

    filed_at = models.DateTimeField(_("filed at"), db_index=True)
    # The merchant's first answer deadline, kept so "answered within the deadline" can be counted
    # after the clock has moved on; empty when the case went to council review instead.
    merchant_first_due_at = models.DateTimeField(_("merchant's first deadline"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first merchant response"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    satisfaction_comment = models.CharField(_("comment"), max_length=1000, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-filed_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["council_path", "status"]),
            models.Index(fields=["merchant", "status"]),
            models.Index(fields=["consumer", "-filed_at"]),
            models.Index(fields=["-priority", "filed_at"]),
            # A jurisdiction is a prefix of council_path (LIKE '/1/4/%'); the pattern operator
            # class lets PostgreSQL seek that prefix whatever the database's collation
            # (bench/results/staff_queries.md).
            models.Index(
                fields=["council_path", "filed_at"],
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                name="complaint_region_filed",
            ),
            models.Index(fields=["closed_at"], name="complaint_closed_at"),
            # Open cases are a small share of all: queues and dashboards of "now" read only them.
            models.Index(
                fields=["council_path", "due_at"],
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="complaint_open_due",
            ),
            # The queue's order over open cases only: a page of open or overdue cases in
            # priority order reads this small index instead of walking every case's.
            models.Index(
                fields=["-priority", "filed_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="complaint_open_priority",
            ),
            # The closed cases the merchant never answered whose first deadline is still ahead:
            # the rollups count them as due, and the figures take them back out until it passes.
            models.Index(
                fields=["merchant_first_due_at"],
                condition=models.Q(
                    status="closed", first_response_at__isnull=True, merchant_first_due_at__isnull=False
                ),
                name="complaint_closed_unanswered",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="satisfaction_1_to_5",
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
            ),
            models.CheckConstraint(
                name="closed_has_outcome",
                condition=~models.Q(status="closed") | ~models.Q(outcome=""),
            ),
            models.UniqueConstraint(
                fields=["consumer", "filing_token"],
                condition=~models.Q(filing_token=""),
                name="one_complaint_per_filing_token",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def merchant_display_name(self) -> str:
        return self.merchant.name if self.merchant_id else self.merchant_name

    @property
    def merchant_due_at(self):
        return self.due_at if self.waiting_on == Party.MERCHANT else None

    @property
    def consumer_due_at(self):
        return self.due_at if self.waiting_on == Party.CONSUMER else None


class AddressGrant(models.TextChoices):
    """Who at the merchant may see the consumer's full delivery address."""

    OWNER = "owner", _("The merchant's owner only")
    TEAM = "team", _("The merchant's owner and its agents")


class CaseAddress(models.Model):
    """A delivery address the consumer shares on one case, for a return or an exchange. The
    merchant sees it in full only as the consumer granted (complaints.access.address_refusal),
    each full view logged; otherwise only the district."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="delivery_address")
    recipient = models.CharField(_("recipient"), max_length=100)
    district = models.CharField(_("province, city and district"), max_length=100)
    street = models.CharField(_("street, building and room"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    # Empty once the consumer withdrew the grant: the merchant sees the district only.
    grant = models.CharField(
        _("who at the merchant may see it"), max_length=10, choices=AddressGrant.choices, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery address")
        verbose_name_plural = _("delivery addresses")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.district}"


class CaseSequence(models.Model):
    """The last case number issued per prefix and year. On PostgreSQL a database sequence issues
    the numbers and starts after this row's `last` (complaints/case_numbers.py)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_prefix_year")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.year}: {self.last}"


class Visibility(models.TextChoices):
    PARTIES = "parties", _("Everyone on the case")
    STAFF = "staff", _("Council staff only")
    MERCHANT_STAFF = "merchant_staff", _("Merchant and council only")


class EventKind(models.TextChoices):
    """What a timeline event records; each label is what the timeline shows people.

    The values are stored and hashed into each case's chain (complaints/timeline.py): a value
    never changes. A member's name may say better what happened than its stored value does.
    """

    FILED = "filed", _("Complaint filed")
    RESPONDED = "responded", _("The merchant answered")
    ACCEPTED = "accepted", _("The consumer accepted the offer")
    # The consumer's `reject` action: the merchant is asked again (notice "asked_again").
    ASKED_AGAIN = "rejected", _("The consumer asked the merchant again")
    MEDIATION_REQUESTED = "mediation_requested", _("The consumer asked the council to mediate")
    WITHDRAWN = "withdrawn", _("The consumer withdrew the complaint")
    MESSAGE = "message", _("Message")
    REVIEW_ACCEPTED = "review_accepted", _("The council accepted the complaint for mediation")
    REVIEW_REJECTED = "review_rejected", _("The council rejected the complaint")
    MEDIATOR_ASSIGNED = "mediator_assigned", _("A mediator was assigned")
    AGREEMENT_RECORDED = "agreement_recorded", _("The mediator recorded an agreement")
    MEDIATION_FAILED = "mediation_failed", _("Mediation failed")
    FULFILLED = "fulfilled", _("The settlement was marked as carried out")
    CONFIRMED = "confirmed", _("The consumer confirmed it was carried out")
    DISPUTED = "disputed", _("The consumer said it was not carried out")
    RATED = "rated", _("The consumer rated the handling")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    SETTLEMENT_DEADLINE_PASSED = (
        "settlement_deadline_passed",
        _("Not settled within the time limit: passed to the council"),
    )
    MERCHANT_DEADLINE_PASSED = (
        "merchant_deadline_passed",
        _("The merchant did not answer in time: passed to the council"),
    )
    CONSUMER_DEADLINE_PASSED = "consumer_deadline_passed", _("The consumer did not answer in time: case closed")
    FULFILMENT_DEADLINE_PASSED = "fulfilment_deadline_passed", _("Not carried out in time: passed to the council")
    CONFIRMATION_DEADLINE_PASSED = "confirmation_deadline_passed", _("Not confirmed in time: case closed")
    STAFF_DEADLINE_PASSED = "staff_deadline_passed", _("The council's deadline passed")
    NOTICE_DELIVERED = "notice_delivered", _("The gateway reported a notice delivered")
    NOTICE_UNDELIVERED = "notice_undelivered", _("The gateway reported a notice not delivered")
    NOTICE_RETRIED = "notice_retried", _("A failed notice is being sent again")
    AGENT_ASSIGNED = "agent_assigned", _("The case was given to a merchant agent")
    AGENT_UNASSIGNED = "agent_unassigned", _("The agent left the merchant's team: the case is back with the owner")
    VIOLATION_REPORTED = "violation_reported", _("The consumer reported a violation by the merchant")
    VIOLATION_CONFIRMED = "violation_confirmed", _("The council confirmed the reported violation")
    VIOLATION_DISMISSED = "violation_dismissed", _("The council dismissed the reported violation")
    CONSUMER_DATA_REMOVED = "consumer_data_removed", _("Consumer data removed")
    CLAIMED = "claimed", _("The consumer took over the case")
    ADDRESS_SHARED = "address_shared", _("The consumer shared a delivery address")
    ADDRESS_WITHDRAWN = "address_withdrawn", _("The consumer withdrew the merchant's access to the address")
    # Mediation sessions (complaints/sessions.py).
    SESSION_SCHEDULED = "session_scheduled", _("A mediation session was scheduled")
    SESSION_MOVE_REQUESTED = "session_move_requested", _("A party asked to move the mediation session")
    SESSION_MOVED = "session_moved", _("The mediation session was moved")
    SESSION_TIME_KEPT = "session_time_kept", _("The mediator kept the session's time")
    SESSION_REMINDER_SENT = "session_reminder_sent", _("The parties were reminded of the session")
    MINUTES_RECORDED = "minutes_recorded", _("The mediator recorded the session's minutes")
    MINUTES_ACKNOWLEDGED = "minutes_acknowledged", _("The minutes were acknowledged")
    MINUTES_DISPUTED = "minutes_disputed", _("The minutes were disputed")
    MINUTES_SILENCE = "minutes_silence", _("The minutes count as acknowledged by silence")
    MINUTES_AGREED = "minutes_agreed", _("The acknowledged minutes became the agreement")
    SESSION_FAILED_CLOSED = (
        "session_failed_closed",
        _("No agreement in mediation and no further session by its deadline: case closed"),
    )
    # Collective complaints (complaints.incidents).
    INCIDENT_JOINED = "incident_joined", _("The consumer joined the council's incident about this merchant")
    INCIDENT_ADDED = "incident_added", _("The council handles this case with others in an incident")
    INCIDENT_REMOVED = "incident_removed", _("The council took this case out of the incident")
    INCIDENT_MESSAGE = "incident_message", _("The council's message to every consumer of the incident")
    COLLECTIVE_OFFER = "collective_offer", _("A collective offer to every consumer of the incident")
    CALL_ANSWERED = "call_answered", _("A call through the privacy number")
    CALL_MISSED = "call_missed", _("A call through the privacy number that was not answered")
    CALLS_TURNED_OFF = "calls_turned_off", _("The consumer turned calls off")
    CALLS_TURNED_ON = "calls_turned_on", _("The consumer turned calls back on")


# Membership tests: a Choices class builds its `values` list anew each time it is asked.
EVENT_KINDS = frozenset(EventKind.values)


class ComplaintEvent(models.Model):
    """One entry of a case's append-only timeline."""

    # Meta's (complaint, created_at) index serves it.
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_role = models.CharField(max_length=20, blank=True)  # "system" for deadline moves
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.PARTIES)
    created_at = models.DateTimeField(db_index=True)
    # Tamper evidence (complaints/integrity.py): SHA-256 of this event's content chained to the
    # previous event of the case. A redacted event keeps its original hash (privacy/services.py).
    hash = models.CharField(max_length=64, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    redacted = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo of the goods")
    SCREENSHOT = "screenshot", _("Screenshot of the listing or chat")
    RECEIPT = "receipt", _("Receipt or invoice")
    LOGISTICS = "logistics", _("Logistics record")
    OTHER = "other", _("Other")


EVIDENCE_KINDS = frozenset(EvidenceKind.values)


def evidence_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.complaint_id}/{instance.stored_name}"


class Evidence(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    # The uploader's role when they gave it (consumer, merchant_owner, mediator ...): each file
    # says who gave it, as the role reads, without naming a masked consumer.
    uploader_role = models.CharField(
        _("given by"), max_length=20, choices=Role.choices, blank=True, default="", db_default=""
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.OTHER)
    file = models.FileField(upload_to=evidence_path, max_length=255)
    stored_name = models.CharField(max_length=64, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# Mediation sessions live in their own module; imported here so Django registers them.
from .session_models import (  # noqa: E402, F401
    Acknowledgement,
    MediationSession,
    RescheduleAnswer,
    SessionMode,
    SessionParticipant,
    SessionParty,
)


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Incident(models.Model):
    """Many consumers' complaints about one thing (a card issuer that collapsed, a live stream
    that sold fakes), handled together by the council that opened it (complaints.incidents).

    The rule that proposes its cases: the merchant (enrolled, or a name matching complaints'
    merchant_name), the period of filing, and keywords and/or an order-number pattern."""

    council = models.ForeignKey(
        "accounts.Council", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("council")
    )
    council_path = models.CharField(max_length=255, editable=False)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("merchant"),
    )
    merchant_name = models.CharField(_("merchant name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    order_pattern = models.CharField(_("order-number pattern"), max_length=64, blank=True)
    # Public-facing: consumers filing against the merchant see it and may join it.
    public = models.BooleanField(_("public-facing"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    created_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "status"], name="incident_merchant_status"),
            models.Index(
                fields=["council_path", "created_at"],
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                name="incident_region_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="incident_names_its_merchant",
                condition=models.Q(merchant__isnull=False) | ~models.Q(merchant_name=""),
            ),
            models.CheckConstraint(
                name="incident_period_in_order",
                condition=models.Q(period_from__isnull=True)
                | models.Q(period_to__isnull=True)
                | models.Q(period_from__lte=models.F("period_to")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN

    @property
    def merchant_display_name(self) -> str:
        return self.merchant.name if self.merchant_id else self.merchant_name

    @property
    def keyword_list(self) -> list[str]:
        return [word for word in self.keywords.replace("，", ",").replace(",", " ").split() if word]


class CollectiveActKind(models.TextChoices):
    MESSAGE = "message", _("Message to every consumer")
    OFFER = "offer", _("Collective offer")
    ASSIGN = "assign", _("Mediator for every case")


class CollectiveAct(models.Model):
    """One bulk act of staff on an incident's cases (a message, an offer, a mediator), kept
    once per key: the same form sent twice, or the same message sent again, finds this row,
    and each case's timeline names it, so no case gets the act twice."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="acts")
    kind = models.CharField(max_length=10, choices=CollectiveActKind.choices)
    key = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(blank=True)
    terms = models.JSONField(default=dict, blank=True)
    # What became of each case: {"done": [...], "already": [...], "refused": [{"case", "reason"}]}.
    results = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "key"], name="one_collective_act_per_key")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.key}"


# The case's calls through a privacy number live in their own module.
from .call_models import BindingStatus, CallDirection, CaseBinding, CaseCall  # noqa: E402, F401

# Running totals of closed cases for the figures (complaints.rollups).
from .rollup_models import (  # noqa: E402, F401
    ClosedCaseRollup,
    ClosedCaseTotal,
    ClosingWeekRollup,
    ResponseTimeRollup,
    ResponseTimeTotal,
)
