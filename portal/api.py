"""Case actions of merchant staff in the API (API.md "Merchants"): the owner removes an agent
(its open cases go back to the owner), and merchant staff see a consenting consumer's phone.
The owner gives a case to an agent with the case action `assign_agent`. The merchant's own
record beside its sector's median."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import IsMerchantOwner, IsMerchantStaff
from complaints import records
from complaints import team as case_team
from mediation.web import client_ip
from merchants.serializers import AgentSerializer, PublicRecordSerializer, RevealedPhoneSerializer


class AgentRemoveView(APIView):
    permission_classes = [IsMerchantOwner]

    @extend_schema(
        operation_id="merchant_agents_remove",
        request=None,
        responses={200: AgentSerializer, 403: OpenApiResponse(description="Not a merchant owner")},
    )
    def post(self, request, pk: int):
        agent = case_team.remove_agent(owner=request.user, agent_id=pk)
        return Response(AgentSerializer(agent).data)


class RevealPhoneView(APIView):
    @extend_schema(
        operation_id="complaints_reveal_phone",
        request=None,
        responses={
            200: RevealedPhoneSerializer,
            403: OpenApiResponse(description="Not merchant staff, or the consumer did not consent (the reason)"),
            404: OpenApiResponse(description="No such case, or not the caller's merchant's"),
        },
    )
    def post(self, request, pk: int):
        phone = case_team.reveal_consumer_phone(actor=request.user, complaint_id=pk, ip=client_ip(request))
        response = Response({"phone": phone})
        response["Cache-Control"] = "private, no-store"
        return response


class BenchmarkRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    basis = serializers.CharField(help_text=gettext_lazy("What the figure is counted over."))
    median = serializers.FloatField(allow_null=True, help_text=gettext_lazy("The sector's median."))


class MerchantBenchmarkSerializer(serializers.Serializer):
    record = PublicRecordSerializer()
    sector = serializers.CharField()
    sector_merchants = serializers.IntegerField(help_text=gettext_lazy("Enrolled merchants of the sector counted."))
    rows = BenchmarkRowSerializer(many=True)


class MerchantBenchmarkView(APIView):
    """The merchant's own record beside its sector's median, as its "Our record" page shows it.
    Only the merchant's staff see the medians; the public see the record alone."""

    permission_classes = [IsMerchantStaff]

    @extend_schema(operation_id="merchant_record_retrieve", responses={200: MerchantBenchmarkSerializer})
    def get(self, request):
        merchant = request.user.merchant
        own = records.public_record(merchant)
        medians = records.sector_medians(merchant.sector)
        body = {
            "record": own,
            "sector": merchant.sector,
            "sector_merchants": medians.get("merchants", 0),
            "rows": records.record_rows(own, medians),
        }
        return Response(MerchantBenchmarkSerializer(body).data)
