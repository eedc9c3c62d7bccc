"""Shapes of the merchants API (API.md "Merchants")."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Council
from accounts.serializers import CouncilRefSerializer

from .models import Merchant

MAX_ID = 2**63 - 1


class MerchantListSerializer(serializers.ModelSerializer):
    region = CouncilRefSerializer(read_only=True)
    credit_index = serializers.SerializerMethodField(help_text=_("0-100; not computed yet, so null."))

    class Meta:
        model = Merchant
        fields = ["id", "name", "uscc", "region", "credit_index"]
        read_only_fields = fields

    def get_credit_index(self, merchant) -> float | None:
        return None


class RateSerializer(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True, help_text=_("Percent, one decimal; null when n is 0."))
    n = serializers.IntegerField()


class AverageSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class PublicRecordSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    complaints_received = serializers.IntegerField()
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


class MerchantPublicSerializer(MerchantListSerializer):
    """The public record; the view passes the indicators (merchants.selectors.public_record) as context."""

    record = serializers.SerializerMethodField()

    class Meta(MerchantListSerializer.Meta):
        fields = ["id", "name", "uscc", "region", "address", "enrolled_at", "credit_index", "record"]
        read_only_fields = fields

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
            "status",
            "status_display",
            "enrolled_at",
            "created_at",
        ]
        read_only_fields = fields


class MerchantApplySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=30, help_text=_("18-character unified social credit code."))
    region = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("Id of the council of its region."))
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    notice_phones = serializers.ListField(
        child=serializers.CharField(max_length=30),
        min_length=1,
        max_length=5,
        help_text=_("Mobile numbers that receive complaint notices by SMS."),
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")

    def validate_region(self, value: int) -> Council:
        council = Council.objects.filter(pk=value).first()
        if council is None:
            raise serializers.ValidationError(_("No such council."))
        return council
