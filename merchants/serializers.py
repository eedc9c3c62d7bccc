"""Shapes of the merchants API (API.md "Merchants")."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Council
from accounts.serializers import CouncilRefSerializer
from mediation.text import TextSerializerField

from .models import ContactReveal, Merchant, Sector, Violation

MAX_ID = 2**63 - 1


class MerchantListSerializer(serializers.ModelSerializer):
    region = CouncilRefSerializer(read_only=True)
    credit_index = serializers.SerializerMethodField(
        help_text=_(
            "0-100 over the last 12 months (formula: complaints.records.credit_index); null below the minimum "
            "number of cases the merchant was given to answer (its record's credit_index_reason says why)."
        )
    )

    class Meta:
        model = Merchant
        fields = ["id", "name", "uscc", "region", "credit_index"]
        read_only_fields = fields

    def get_credit_index(self, merchant) -> float | None:
        # The view computes the page's indexes in one go (merchants.selectors.credit_indexes).
        return self.context.get("credit_indexes", {}).get(merchant.pk)


class RateSerializer(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True, help_text=_("Percent, one decimal; null when n is 0."))
    n = serializers.IntegerField()


class AverageSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class PublicRecordSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    complaints_received = serializers.IntegerField(
        help_text=_(
            "Cases the merchant was given to answer: not those reviewed by the council before it enrolled, "
            "rejected by the council, or withdrawn before it answered or its deadline passed."
        )
    )
    answered = serializers.IntegerField()
    answer_rate = RateSerializer()
    answered_in_time_rate = RateSerializer()
    closed = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text=_("Closed after the consumer confirmed the settlement."))
    unconfirmed = serializers.IntegerField()
    no_reply = serializers.IntegerField()
    resolution_rate = RateSerializer(help_text=_("Resolved among closed cases."))
    average_first_response_hours = serializers.FloatField(allow_null=True)
    average_satisfaction = AverageSerializer()
    overdue_marks = serializers.IntegerField()
    answered_in_time = serializers.IntegerField()
    confirmed_violations = serializers.IntegerField()
    min_cases = serializers.IntegerField(help_text=_("Cases the merchant was given to answer needed for an index."))
    credit_index = serializers.FloatField(
        allow_null=True, help_text=_("0-100; null below min_cases counted cases (see credit_index_reason).")
    )
    credit_index_reason = serializers.ChoiceField(
        choices=["no_cases", "not_enough_cases"],
        allow_null=True,
        help_text=_(
            "Why credit_index is null: no_cases (none in the last 12 months) or not_enough_cases "
            "(fewer than min_cases); null when there is an index."
        ),
    )


class MerchantPublicSerializer(MerchantListSerializer):
    """The public record; the view passes the indicators (merchants.selectors.public_record) as context."""

    record = serializers.SerializerMethodField()

    sector_display = serializers.CharField(source="get_sector_display", read_only=True)

    class Meta(MerchantListSerializer.Meta):
        fields = [
            "id",
            "name",
            "uscc",
            "region",
            "sector",
            "sector_display",
            "address",
            "enrolled_at",
            "credit_index",
            "record",
        ]
        read_only_fields = fields

    def get_credit_index(self, merchant) -> float | None:
        return self.context["record"]["credit_index"]

    @extend_schema_field(PublicRecordSerializer)
    def get_record(self, merchant) -> dict:
        return PublicRecordSerializer(self.context["record"]).data


class MerchantSerializer(serializers.ModelSerializer):
    """A merchant as its applicant and the supervisors see it."""

    region = CouncilRefSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=_("applied, enrolled, suspended or refused"))
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Merchant
        fields = [
            "id",
            "name",
            "uscc",
            "region",
            "address",
            "notice_phones",
            "email",
            "sector",
            "status",
            "status_display",
            "enrolled_at",
            "created_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    decision = serializers.CharField()
    decision_display = serializers.CharField(source="get_decision_display")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class MyApplicationSerializer(serializers.Serializer):
    """An application the caller made, with the council's last decision and its reason."""

    merchant = MerchantSerializer()
    last_decision = DecisionSerializer(allow_null=True)


class MerchantApplySerializer(serializers.Serializer):
    name = TextSerializerField(max_length=200)
    uscc = serializers.CharField(max_length=30, help_text=_("18-character unified social credit code."))
    region = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("Id of the council of its region."))
    address = TextSerializerField(max_length=255, required=False, allow_blank=True, default="")
    notice_phones = serializers.ListField(
        child=serializers.CharField(max_length=30),
        min_length=1,
        max_length=5,
        help_text=_("Mobile numbers that receive complaint notices by SMS."),
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, default=Sector.OTHER)

    def validate_region(self, value: int) -> Council:
        council = Council.objects.filter(pk=value).first()
        if council is None:
            raise serializers.ValidationError(_("No such council."))
        return council


class DecisionReasonSerializer(serializers.Serializer):
    reason = TextSerializerField(
        max_length=2000,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The person concerned is told it."),
    )


class RefusalSerializer(serializers.Serializer):
    reason = TextSerializerField(
        max_length=2000, multiline=True, help_text=_("Required: the person concerned is told it.")
    )


# --- the team -------------------------------------------------------------------------------


class AgentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    phone = serializers.CharField(allow_null=True)
    role = serializers.CharField()
    is_active = serializers.BooleanField()


class InviteAgentSerializer(serializers.Serializer):
    name = TextSerializerField(max_length=100)
    phone = serializers.CharField(
        max_length=30, help_text=_("The invitation goes to it by SMS; the person with it accepts or declines.")
    )


class InvitationSerializer(serializers.Serializer):
    """An invitation to the team: the same shape whether or not the number has an account."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    status = serializers.CharField(help_text=_("pending until the person with the number answers"))
    created_at = serializers.DateTimeField()


class MyInvitationSerializer(serializers.Serializer):
    """An invitation to the caller's number, as the person invited sees it."""

    id = serializers.IntegerField()
    merchant = serializers.CharField(source="merchant.name")
    name = serializers.CharField(help_text=_("The name the owner gave the person invited."))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    refusal = serializers.CharField(help_text=_("Why the caller's account may not accept it; empty when it may."))


class RevealedPhoneSerializer(serializers.Serializer):
    phone = serializers.CharField()


class ContactRevealSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="complaint.case_number")
    merchant = serializers.CharField(source="merchant.name")
    user = serializers.CharField(source="user.display_name")
    user_role = serializers.CharField(source="user.role")

    class Meta:
        model = ContactReveal
        fields = ["id", "complaint", "case_number", "merchant", "user", "user_role", "what", "ip", "created_at"]
        read_only_fields = fields


# --- violations ----------------------------------------------------------------------------


class ViolationSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="complaint.case_number")
    merchant = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text=_("negative_handling or harassment"))
    kind_display = serializers.CharField(source="get_kind_display")
    status = serializers.CharField(help_text=_("reported, confirmed or dismissed"))
    status_display = serializers.CharField(source="get_status_display")
    compensation = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, coerce_to_string=True)

    class Meta:
        model = Violation
        fields = [
            "id",
            "complaint",
            "case_number",
            "merchant",
            "kind",
            "kind_display",
            "message",
            "status",
            "status_display",
            "compensation",
            "reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_merchant(self, violation) -> dict:
        return {"id": violation.merchant_id, "name": violation.merchant.name}
