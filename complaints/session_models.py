"""Mediation sessions (SPEC "Intake, incidents and mediation sessions"): the meeting the case's
mediator schedules, each party's part in it (invitation, a request to move it, attendance,
position, acknowledgement of the minutes) and the minutes themselves.

Only complaints/sessions.py writes these rows, inside workflow.perform or the deadline job,
with the case's row locked.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionMode(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")


class SessionParty(models.TextChoices):
    """The two sides of a case that a session's minutes bind."""

    CONSUMER = "consumer", _("Consumer")
    MERCHANT = "merchant", _("Merchant")


class RescheduleAnswer(models.TextChoices):
    MOVED = "moved", _("The session was moved")
    KEPT = "kept", _("The mediator kept the time")


class Acknowledgement(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPUTED = "disputed", _("Disputed")
    SILENCE = "silence", _("Acknowledged by silence")


class MediationSession(models.Model):
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("session"))  # 1, 2, ... within the case
    starts_at = models.DateTimeField(_("date and time"))
    mode = models.CharField(_("where"), max_length=10, choices=SessionMode.choices)
    link = models.URLField(_("link to join"), max_length=500, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("mediator")
    )
    created_at = models.DateTimeField(_("scheduled at"))
    # The start time the day-before reminder was sent for: a moved session is reminded again.
    reminder_sent_for = models.DateTimeField(null=True, blank=True, editable=False)

    # The minutes, empty until the mediator records them after the session.
    minutes_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True)
    agreed = models.BooleanField(_("agreement reached"), null=True, blank=True)
    # The agreed terms, the same dict a recorded agreement stores (complaints.transitions.agreement_terms).
    terms = models.JSONField(_("agreed terms"), null=True, blank=True)
    advice = models.CharField(_("advice to the consumer"), max_length=20, blank=True)
    next_step = models.TextField(_("next step"), blank=True)
    acknowledge_by = models.DateTimeField(_("acknowledge by"), null=True, blank=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["complaint", "number"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "number"], name="one_session_number_per_case"),
        ]
        indexes = [
            # The deadline job's two questions: sessions starting within a day, minutes due.
            models.Index(fields=["starts_at"], condition=models.Q(minutes_at__isnull=True), name="session_upcoming"),
            models.Index(
                fields=["acknowledge_by"], condition=models.Q(minutes_at__isnull=False), name="session_minutes_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} #{self.number}"

    @property
    def has_minutes(self) -> bool:
        return self.minutes_at is not None


class SessionParticipant(models.Model):
    """One side of the case in one session: whether and whom it invited, its request to move
    the session and the answer, its attendance and position, and its acknowledgement of the minutes."""

    session = models.ForeignKey(MediationSession, on_delete=models.CASCADE, related_name="participants")
    party = models.CharField(_("party"), max_length=10, choices=SessionParty.choices)
    invited = models.BooleanField(_("invited"), default=True)
    # The consumer, or the merchant's owner or agent the mediator invited.
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    reschedule_reason = models.TextField(_("reason to move the session"), blank=True)
    reschedule_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reschedule_asked_at = models.DateTimeField(null=True, blank=True)
    reschedule_answer = models.CharField(max_length=10, choices=RescheduleAnswer.choices, blank=True)
    reschedule_reply = models.TextField(_("the mediator's answer"), blank=True)

    attended = models.BooleanField(_("attended"), null=True, blank=True)
    position = models.TextField(_("position"), blank=True)

    acknowledgement = models.CharField(max_length=15, choices=Acknowledgement.choices, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(_("why the minutes are disputed"), blank=True)

    class Meta:
        verbose_name = _("session participant")
        verbose_name_plural = _("session participants")
        ordering = ["session", "party"]
        constraints = [models.UniqueConstraint(fields=["session", "party"], name="one_participant_per_party")]

    def __str__(self) -> str:
        return f"{self.session} {self.party}"

    @property
    def asked_to_move(self) -> bool:
        return self.reschedule_asked_at is not None

    @property
    def awaits_answer(self) -> bool:
        return self.asked_to_move and not self.reschedule_answer
