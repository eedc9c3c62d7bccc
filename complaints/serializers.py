"""Shapes of the complaints API (API.md "Complaints").

Input serializers check shape only and hand `validated_data` to complaints.filing,
complaints.workflow or complaints.services (complaints/actions.py declares which body each
action takes); output serializers show a complaint as the caller may see it.
"""

from decimal import Decimal

from django.core.validators import URLValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Council
from accounts.serializers import CouncilRefSerializer, MerchantRefSerializer
from mediation.api import FlatSerializer
from mediation.text import TextSerializerField

from . import access
from .models import (
    Acknowledgement,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    EvidenceKind,
    IntakeChannel,
    Outcome,
    Party,
    Remedy,
    RescheduleAnswer,
    SessionMode,
    SessionParty,
    Status,
)
from .proof import UNMET_TERMS
from .rules import MEDIATION_ADVICE

MAX_ID = 2**63 - 1
MAX_AMOUNT = Decimal("10000000")
MAX_MESSAGE = 5000


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=MAX_AMOUNT, **kwargs
    )


def _message(required: bool = True) -> TextSerializerField:
    if required:
        return TextSerializerField(max_length=MAX_MESSAGE, multiline=True)
    return TextSerializerField(max_length=MAX_MESSAGE, multiline=True, required=False, allow_blank=True, default="")


# --- output ---------------------------------------------------------------------------


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConsumerContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField(help_text=_("True when the caller sees masked contact data."))


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, evidence) -> str:
        path = reverse("api:complaint-evidence-file", args=[evidence.complaint_id, evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint in lists; the detail adds its timeline, allowed actions and notices."""

    status_display = serializers.CharField(source="get_status_display")
    # Blank until the case is closed (the schema's enum then includes "").
    outcome = serializers.ChoiceField(choices=[("", ""), *Outcome.choices], allow_blank=True)
    outcome_display = serializers.CharField(source="get_outcome_display")
    merchant = MerchantRefSerializer(allow_null=True)
    merchant_name = serializers.CharField(source="merchant_display_name")
    council = CouncilRefSerializer()
    mediator = serializers.SerializerMethodField()
    category_display = serializers.CharField(source="get_category_display")
    channel_display = serializers.CharField(source="get_channel_display")
    intake_channel_display = serializers.CharField(source="get_intake_channel_display")
    waiting_on = serializers.ChoiceField(choices=[("", ""), *Party.choices], allow_blank=True)
    waiting_on_display = serializers.CharField(source="get_waiting_on_display")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    demands = serializers.ListField(child=serializers.CharField())
    priority_reasons = serializers.ListField(child=serializers.CharField())
    merchant_due_at = serializers.DateTimeField(allow_null=True)
    consumer_due_at = serializers.DateTimeField(allow_null=True)
    consumer = serializers.SerializerMethodField()
    offer = serializers.JSONField(allow_null=True)
    agreement = serializers.JSONField(allow_null=True)
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "case_number",
            "status",
            "status_display",
            "outcome",
            "outcome_display",
            "merchant",
            "merchant_name",
            "council",
            "mediator",
            "category",
            "category_display",
            "channel",
            "channel_display",
            "intake_channel",
            "intake_channel_display",
            "claimed_at",
            "incident",
            "platform",
            "order_number",
            "purchase_date",
            "amount",
            "demands",
            "title",
            "description",
            "share_contact",
            "priority",
            "priority_reasons",
            "round",
            "waiting_on",
            "waiting_on_display",
            "is_overdue",
            "merchant_due_at",
            "consumer_due_at",
            "due_at",
            "filed_at",
            "first_response_at",
            "settled_at",
            "closed_at",
            "satisfaction",
            "satisfaction_comment",
            "consumer",
            "offer",
            "agreement",
            "evidence",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_mediator(self, complaint):
        if not complaint.mediator_id:
            return None
        return {"id": complaint.mediator_id, "name": complaint.mediator.display_name}

    @extend_schema_field(ConsumerContactSerializer)
    def get_consumer(self, complaint):
        contact = access.consumer_contact_for(self.context["request"].user, complaint)
        return {"name": contact.name, "phone": contact.phone, "masked": contact.masked}

    def to_representation(self, complaint):
        """The case as the fields declared above show it, written out field by field: DRF
        builds and copies those fields for every case it shows, which cost more than the rest
        of a filing's answer. The fields stay the schema of the body, and
        tests/api/test_complaint_body.py holds this to what DRF makes of them."""
        merchant, council = complaint.merchant, complaint.council
        return {
            "id": complaint.pk,
            "case_number": complaint.case_number,
            "status": complaint.status,
            "status_display": _label(Status, complaint.status),
            "outcome": complaint.outcome,
            "outcome_display": _label(Outcome, complaint.outcome),
            "merchant": {"id": merchant.pk, "name": merchant.name} if merchant is not None else None,
            "merchant_name": complaint.merchant_display_name,
            "council": {"id": council.pk, "name": council.name},
            "mediator": self.get_mediator(complaint),
            "category": complaint.category,
            "category_display": _label(Category, complaint.category),
            "channel": complaint.channel,
            "channel_display": _label(Channel, complaint.channel),
            "intake_channel": complaint.intake_channel,
            "intake_channel_display": _label(IntakeChannel, complaint.intake_channel),
            "claimed_at": _moment(complaint.claimed_at),
            "incident": complaint.incident_id,
            "platform": complaint.platform,
            "order_number": complaint.order_number,
            "purchase_date": complaint.purchase_date.isoformat() if complaint.purchase_date else None,
            "amount": _AMOUNT.to_representation(complaint.amount),
            "demands": [str(demand) for demand in complaint.demands],
            "title": complaint.title,
            "description": complaint.description,
            "share_contact": complaint.share_contact,
            "priority": complaint.priority,
            "priority_reasons": [str(reason) for reason in complaint.priority_reasons],
            "round": complaint.round,
            "waiting_on": complaint.waiting_on,
            "waiting_on_display": _label(Party, complaint.waiting_on),
            "is_overdue": complaint.is_overdue,
            "merchant_due_at": _moment(complaint.merchant_due_at),
            "consumer_due_at": _moment(complaint.consumer_due_at),
            "due_at": _moment(complaint.due_at),
            "filed_at": _moment(complaint.filed_at),
            "first_response_at": _moment(complaint.first_response_at),
            "settled_at": _moment(complaint.settled_at),
            "closed_at": _moment(complaint.closed_at),
            "satisfaction": complaint.satisfaction,
            "satisfaction_comment": complaint.satisfaction_comment,
            "consumer": self.get_consumer(complaint),
            "offer": complaint.offer,
            "agreement": complaint.agreement,
            "evidence": EvidenceSerializer(complaint.evidence.all(), many=True, context=self.context).data,
        }


# What ComplaintSerializer.to_representation writes dates and amounts with: DRF's own fields.
_MOMENT = serializers.DateTimeField()
_AMOUNT = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
# Each choices type's labels by value (Django's get_FOO_display builds this for every call).
_LABELS = {choices: dict(choices.choices) for choices in (Status, Outcome, Category, Channel, IntakeChannel, Party)}


def _moment(value):
    return _MOMENT.to_representation(value) if value is not None else None


def _label(choices, value) -> str:
    return str(_LABELS[choices].get(value, value))


class TimelineEventSerializer(FlatSerializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor_name = serializers.SerializerMethodField()
    actor_role = serializers.CharField(help_text=_("A role, or 'system' for deadline moves."))
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    message = serializers.CharField()
    data = serializers.JSONField()
    visibility = serializers.CharField()
    created_at = serializers.DateTimeField()
    on_behalf_of_consumer = serializers.SerializerMethodField(
        help_text=_("Council staff who filed the case made this move for the consumer.")
    )

    def get_on_behalf_of_consumer(self, event: ComplaintEvent) -> bool:
        return bool((event.data or {}).get("on_behalf_of_consumer"))

    def get_actor_name(self, event: ComplaintEvent) -> str:
        return access.actor_name_for(self.context["request"].user, event, self.context["complaint"])

    def to_representation(self, event: ComplaintEvent) -> dict:
        # Written out, as ComplaintSerializer's body is: what the fields above make of an event
        # (tests/api/test_complaint_body.py holds the two together).
        return {
            "id": event.id,
            "kind": event.kind,
            "actor_name": self.get_actor_name(event),
            "actor_role": event.actor_role,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "message": event.message,
            "data": event.data,
            "visibility": event.visibility,
            "created_at": _moment(event.created_at),
            "on_behalf_of_consumer": self.get_on_behalf_of_consumer(event),
        }


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    channel = serializers.CharField()
    channel_display = serializers.CharField(source="get_channel_display")
    recipient = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivery_status = serializers.CharField(help_text=_("The gateway's receipt: delivered, undelivered, or blank."))
    delivered_at = serializers.DateTimeField(allow_null=True)

    def get_recipient(self, notice) -> str:
        return access.masked_recipient(notice)


class SessionParticipantSerializer(serializers.Serializer):
    """One side of the case in a session: invitation, request to move it, attendance, position and
    its answer to the minutes."""

    party = serializers.ChoiceField(choices=SessionParty.choices)
    party_display = serializers.CharField()
    invited = serializers.BooleanField()
    invitee = serializers.CharField(help_text=_("Who was invited for this side (masked as the caller sees people)."))
    move_requested = serializers.BooleanField()
    move_reason = serializers.CharField()
    move_answer = serializers.ChoiceField(choices=[("", ""), *RescheduleAnswer.choices], allow_blank=True)
    move_answer_display = serializers.CharField()
    move_reply = serializers.CharField()
    attended = serializers.BooleanField(allow_null=True)
    position = serializers.CharField()
    acknowledgement = serializers.ChoiceField(
        choices=[("", ""), *Acknowledgement.choices],
        allow_blank=True,
        help_text=_("Blank until the party answers the minutes; 'silence' once the 3 working days passed."),
    )
    acknowledgement_display = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    dispute_reason = serializers.CharField()


class SessionMinutesSerializer(serializers.Serializer):
    recorded_at = serializers.DateTimeField()
    agreed = serializers.BooleanField()
    terms = serializers.JSONField(allow_null=True, help_text=_("The agreed terms, as a recorded agreement's."))
    terms_summary = serializers.CharField()
    terms_text = serializers.CharField()
    advice = serializers.CharField()
    advice_display = serializers.CharField()
    next_step = serializers.CharField()
    acknowledge_by = serializers.DateTimeField()


class MediationSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=SessionMode.choices)
    mode_display = serializers.CharField()
    link = serializers.CharField()
    address = serializers.CharField()
    mediator = serializers.CharField()
    created_at = serializers.DateTimeField()
    state = serializers.ChoiceField(
        choices=[
            ("scheduled", "scheduled"),
            ("awaiting_minutes", "awaiting_minutes"),
            ("awaiting_acknowledgement", "awaiting_acknowledgement"),
            ("acknowledged", "acknowledged"),
            ("disputed", "disputed"),
        ]
    )
    state_display = serializers.CharField()
    participants = SessionParticipantSerializer(many=True)
    minutes = SessionMinutesSerializer(allow_null=True)


class ComplaintDetailSerializer(ComplaintSerializer):
    """Context: request, and `timeline`, `allowed_actions` and (staff only) `notices` from the view."""

    timeline = serializers.SerializerMethodField()
    sessions = serializers.SerializerMethodField(help_text=_("Mediation sessions, newest first, with their minutes."))
    allowed_actions = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField(help_text=_("Council staff only; absent for everyone else."))

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "timeline", "sessions", "allowed_actions", "notices"]
        # mediation.schema.AutoSchema: present for council staff only, so not required.
        schema_optional = ["notices"]
        read_only_fields = fields

    @extend_schema_field(TimelineEventSerializer(many=True))
    def get_timeline(self, complaint):
        context = {**self.context, "complaint": complaint}
        return TimelineEventSerializer(self.context["timeline"], many=True, context=context).data

    @extend_schema_field(MediationSessionSerializer(many=True))
    def get_sessions(self, complaint):
        return MediationSessionSerializer(self.context.get("sessions") or [], many=True).data

    def get_allowed_actions(self, complaint) -> list[str]:
        return self.context["allowed_actions"]

    @extend_schema_field(NoticeSerializer(many=True))
    def get_notices(self, complaint):
        return NoticeSerializer(self.context.get("notices") or [], many=True).data

    def to_representation(self, complaint):
        data = super().to_representation(complaint)
        data["timeline"] = self.get_timeline(complaint)
        data["sessions"] = self.get_sessions(complaint)
        data["allowed_actions"] = self.get_allowed_actions(complaint)
        if self.context.get("notices") is not None:
            data["notices"] = self.get_notices(complaint)
        return data


@extend_schema_field(
    {
        "type": "string",
        # A pattern, not an enum: the same choice set is the `remedy` enum of an offer.
        "pattern": "^(" + "|".join(Remedy.values) + ")$",
        "description": ", ".join(Remedy.values),
    }
)
class DemandField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Remedy.choices, **kwargs)


# --- input: filing --------------------------------------------------------------------


class ComplaintCreateSerializer(FlatSerializer):
    merchant = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("A merchant's id; else name the merchant."),
    )
    merchant_name = TextSerializerField(max_length=200, required=False, allow_blank=True, default="")
    merchant_phone = serializers.RegexField(
        r"^[0-9+()\- ]*$",
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": _("Enter a phone number.")},
    )
    region = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("Council id of the named merchant's region; without it the root council reviews it."),
    )
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    platform = TextSerializerField(max_length=100, required=False, allow_blank=True, default="")
    order_number = TextSerializerField(max_length=64, required=False, allow_blank=True, default="")
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    amount = _amount(required=False, default=Decimal("0"))
    demands = serializers.ListField(
        child=DemandField(),
        max_length=len(Remedy.values),
        required=False,
        default=list,
    )
    title = TextSerializerField(max_length=200)
    description = TextSerializerField(max_length=MAX_MESSAGE, multiline=True)
    share_contact = serializers.BooleanField(required=False, default=False)
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "File even though the consumer has an open case against the same merchant for the same order "
            "number, filed in the last 24 hours (without it: 409 with that case's number)."
        ),
    )

    incident = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Join the council's open incident about this merchant (GET /api/v1/incidents/public/ lists them); "
            "400 when it is not open, not public or about another merchant."
        ),
    )

    def validate_purchase_date(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The purchase date is in the future."))
        return value

    def validate_demands(self, value):
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        merchant_id, region_id = attrs.pop("merchant", None), attrs.pop("region", None)
        if merchant_id is not None:
            # Which merchants may be chosen is file_complaint's rule, the same for the page.
            attrs.update(merchant=merchant_id, merchant_name="", merchant_phone="")
            return attrs
        if not attrs.get("merchant_name", "").strip():
            raise serializers.ValidationError(
                {"merchant_name": [_("Choose an enrolled merchant or give the merchant's name.")]}
            )
        attrs["merchant_name"] = attrs["merchant_name"].strip()
        if region_id is not None:
            region = Council.objects.filter(pk=region_id).first()
            if region is None:
                raise serializers.ValidationError({"region": [_("No such council.")]})
            attrs["region"] = region
        return attrs


class IntakeSerializer(ComplaintCreateSerializer):
    """Staff filing for a consumer who called or came in (API.md): the consumer's filing fields,
    and who the consumer is, how the complaint came in and the consumer's agreement. Evidence
    follows on the case (POST /complaints/{id}/evidence/)."""

    consumer_phone = TextSerializerField(max_length=20, help_text=_("The consumer's mainland mobile number."))
    consumer_name = TextSerializerField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The consumer's name; needed when the number has no account yet."),
    )
    intake_channel = serializers.ChoiceField(
        choices=IntakeChannel.choices,
        help_text=_("How the complaint came in: hotline, counter, letter or e-mail (not online)."),
    )
    consent = serializers.BooleanField(
        help_text=_("The consumer agreed to the filing and to what the merchant will see.")
    )
    consent_statement = TextSerializerField(
        max_length=2000,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("What the consumer agreed to, in words; the platform's statement when empty."),
    )

    def validate_intake_channel(self, value: str) -> str:
        if value == IntakeChannel.ONLINE:
            message = _("Choose how the complaint came in: hotline, counter, letter or e-mail.")
            raise serializers.ValidationError(message)
        return value

    def intake_data(self) -> dict:
        """Keyword arguments for complaints.intake.file_for_consumer (without the staff member)."""
        data = dict(self.validated_data)
        data["phone"] = data.pop("consumer_phone")
        data["name"] = data.pop("consumer_name")
        return data


# --- input: the bodies of the case actions --------------------------------------------


class RespondSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("offer", _("Offer")), ("decline", _("Decline"))])
    message = _message()
    remedy = serializers.ChoiceField(choices=Remedy.choices, required=False, allow_null=True, default=None)
    offer_amount = _amount(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Today or later, at most OFFER_MAX_DAYS (default 60) days ahead."),
    )

    def validate(self, attrs):
        if attrs["kind"] == "offer" and not attrs.get("remedy"):
            raise serializers.ValidationError({"remedy": [_("An offer names its remedy.")]})
        return attrs


class EmptySerializer(serializers.Serializer):
    pass


class MessageRequiredSerializer(serializers.Serializer):
    message = _message()


class MessageOptionalSerializer(serializers.Serializer):
    message = _message(required=False)


class FulfilSerializer(MessageRequiredSerializer):
    """The proof its agreed remedy needs (complaints.proof): a refund its amount, paid_on and
    reference; a return or exchange its courier and tracking_number; a repair repaired_on;
    compensation its amount and paid_on. Files: upload them as evidence first, then name them."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False)
    paid_on = serializers.DateField(required=False)
    reference = TextSerializerField(max_length=64, required=False, allow_blank=True)
    courier = TextSerializerField(max_length=50, required=False, allow_blank=True)
    tracking_number = TextSerializerField(max_length=64, required=False, allow_blank=True)
    repaired_on = serializers.DateField(required=False)
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=20,
        help_text=_("Ids of the case's evidence that prove it (POST /complaints/{id}/evidence/ first)."),
    )


class DisputeSerializer(MessageOptionalSerializer):
    unmet_term = serializers.ChoiceField(
        choices=list(UNMET_TERMS.items()),
        required=False,
        help_text=_("Which term was not met; with 'other', say what in the message."),
    )


class CaseMessageSerializer(serializers.Serializer):
    message = _message()
    staff_only = serializers.BooleanField(
        required=False, default=False, help_text=_("A note for council staff (merchants and staff only).")
    )


class AssignSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The mediator's user id."))


class RecordAgreementSerializer(serializers.Serializer):
    """The agreed terms, the same as an offer's: the date sets the fulfilment deadline."""

    remedy = serializers.ChoiceField(choices=Remedy.choices)
    amount = _amount(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Today or later, at most OFFER_MAX_DAYS (default 60) days ahead; "
            "without it the council's fulfilment deadline applies."
        ),
    )
    message = _message()


class RecordFailureSerializer(serializers.Serializer):
    message = _message()
    advice = serializers.ChoiceField(choices=list(MEDIATION_ADVICE.items()))


def _session_time(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(
        help_text=_("ISO 8601 with offset; in the future, at most 60 days ahead."), **kwargs
    )


def _link(**kwargs) -> TextSerializerField:
    return TextSerializerField(
        max_length=500,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("For an online session: the link the parties open to join it."),
        **kwargs,
    )


class ScheduleSessionSerializer(serializers.Serializer):
    starts_at = _session_time()
    mode = serializers.ChoiceField(choices=SessionMode.choices)
    link = _link(required=False, allow_blank=True, default="")
    address = TextSerializerField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a session in person: where it is held."),
    )
    invite_consumer = serializers.BooleanField(required=False, default=True)
    merchant_attendee = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The user id of the merchant's owner, or of its agent on the case; null invites nobody."),
    )
    message = _message(required=False)


class RescheduleSessionSerializer(serializers.Serializer):
    """The new time; the place stays as it was unless given."""

    starts_at = _session_time()
    mode = serializers.ChoiceField(choices=SessionMode.choices, required=False)
    link = _link(required=False, allow_blank=True)
    address = TextSerializerField(max_length=300, required=False, allow_blank=True)
    message = _message(required=False)


class RecordMinutesSerializer(serializers.Serializer):
    """The session's minutes. Agreed terms are those of record_agreement (remedy, amount, due_date,
    and their text in `terms`); without an agreement, the advice the case closes with if no further
    session is held before the mediation deadline."""

    agreed = serializers.BooleanField()
    consumer_attended = serializers.BooleanField(required=False, default=False)
    merchant_attended = serializers.BooleanField(required=False, default=False)
    consumer_position = _message(required=False)
    merchant_position = _message(required=False)
    remedy = serializers.ChoiceField(choices=Remedy.choices, required=False, allow_null=True, default=None)
    amount = _amount(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Today or later, at most OFFER_MAX_DAYS (default 60) days ahead."),
    )
    terms = _message(required=False)
    advice = serializers.ChoiceField(
        choices=list(MEDIATION_ADVICE.items()), required=False, allow_blank=True, default=""
    )
    next_step = _message()

    def validate(self, attrs):
        if attrs["agreed"]:
            errors = {}
            if not attrs.get("remedy"):
                errors["remedy"] = [_("The agreed terms name their remedy.")]
            if not attrs.get("terms"):
                errors["terms"] = [_("Write down what was agreed.")]
            if errors:
                raise serializers.ValidationError(errors)
        elif not attrs.get("advice"):
            raise serializers.ValidationError({"advice": [_("Choose the advice to the consumer.")]})
        return attrs


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = TextSerializerField(max_length=1000, multiline=True, required=False, allow_blank=True, default="")


class ReportViolationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[("negative_handling", _("Negative handling")), ("harassment", _("Harassment"))]
    )
    message = _message()


class AssignAgentSerializer(serializers.Serializer):
    agent = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text=_("An active agent's id; null gives it back to the owner."),
    )


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False, default=EvidenceKind.OTHER)
