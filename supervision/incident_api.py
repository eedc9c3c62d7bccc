"""Incidents (collective complaints) in the API: council staff list and read them, supervisors
open them, add and remove cases and act on every case at once (complaints.incidents); anyone
lists the open, public-facing incidents a consumer may join when filing."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AnonymousThrottle
from accounts.gates import IsCouncilStaff
from complaints import access, incidents
from complaints.incident_selectors import (
    case_counts,
    incident_cases,
    incident_totals,
    open_public_incidents,
    proposed_cases,
)
from complaints.models import Complaint, Incident, Remedy
from complaints.rules import promised_date_error
from mediation.errors import InvalidInput
from mediation.paging import CappedPaginator
from mediation.text import TextSerializerField

MAX_ID = 2**63 - 1
IDEMPOTENCY_HELP = gettext_lazy(
    "A key the client makes for this one act (a UUID), 1 to 64 characters; without it the act's content is its "
    "key. Sent again, nothing is done twice: each case gets the act once."
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False, description=str(IDEMPOTENCY_HELP)
)


# --- serializers -----------------------------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant_display_name")
    council = serializers.CharField(source="council.name")
    status_display = serializers.CharField(source="get_status_display")
    cases = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "merchant",
            "merchant_name",
            "council",
            "period_from",
            "period_to",
            "keywords",
            "order_pattern",
            "public",
            "status",
            "status_display",
            "created_at",
            "closed_at",
            "cases",
        ]
        read_only_fields = fields

    def get_cases(self, incident) -> int:
        return self.context.get("case_counts", {}).get(incident.pk, 0)


class IncidentCreateSerializer(serializers.Serializer):
    merchant = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("An enrolled merchant's id; else name the merchant."),
    )
    merchant_name = TextSerializerField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("A merchant not on the platform, as consumers name it on their complaints."),
    )
    title = TextSerializerField(max_length=200)
    description = TextSerializerField(max_length=5000, multiline=True, required=False, allow_blank=True, default="")
    period_from = serializers.DateField(required=False, allow_null=True, default=None)
    period_to = serializers.DateField(required=False, allow_null=True, default=None)
    keywords = TextSerializerField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Separated by spaces or commas; a case with any of them in its title or text matches."),
    )
    order_pattern = TextSerializerField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Order numbers with * for any characters and ? for one, e.g. CARD-2026-*."),
    )
    public = serializers.BooleanField(
        required=False,
        default=True,
        help_text=gettext_lazy("Consumers filing against the merchant see it and may join it; listed when large."),
    )


class CaseRowSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = Complaint
        fields = ["id", "case_number", "title", "status", "status_display", "amount", "mediator", "filed_at"]
        read_only_fields = fields


class TotalsSerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    open = serializers.IntegerField()
    consumers = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text=gettext_lazy("Cases per status."))


class IncidentDetailSerializer(serializers.Serializer):
    incident = IncidentSerializer()
    totals = TotalsSerializer()
    cases = CaseRowSerializer(many=True)


class CaseIdsSerializer(serializers.Serializer):
    add = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=1000
    )
    remove = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=1000
    )

    def validate(self, attrs):
        if not attrs["add"] and not attrs["remove"]:
            raise serializers.ValidationError(_("Name the cases to add or to remove."))
        return attrs


class CaseResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    reason = serializers.CharField(required=False, help_text=gettext_lazy("Why the case could not take it."))


class BulkResultSerializer(serializers.Serializer):
    done = CaseResultSerializer(many=True)
    already = CaseResultSerializer(many=True, help_text=gettext_lazy("Cases that had it already: left as they were."))
    refused = CaseResultSerializer(many=True, help_text=gettext_lazy("Cases that could not take it, with the reason."))


class CasesResultSerializer(serializers.Serializer):
    added = BulkResultSerializer()
    removed = BulkResultSerializer()


class IncidentMessageSerializer(serializers.Serializer):
    message = TextSerializerField(max_length=2000, multiline=True)


class IncidentAssignSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class CollectiveOfferSerializer(serializers.Serializer):
    remedy = serializers.ChoiceField(choices=Remedy.choices)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The same amount for every case (CNY)."),
    )
    percent = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Or a percentage of each case's amount claimed (not both)."),
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    message = TextSerializerField(max_length=5000, multiline=True)

    def validate_due_date(self, value):
        error = promised_date_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value

    def validate(self, attrs):
        if attrs.get("amount") is not None and attrs.get("percent") is not None:
            raise serializers.ValidationError(
                {"percent": [_("Give one sum for every case or a percentage of each claim, not both.")]}
            )
        return attrs


class PublicIncidentSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant_display_name")

    class Meta:
        model = Incident
        fields = ["id", "merchant", "merchant_name", "title", "description"]
        read_only_fields = fields


# --- views -----------------------------------------------------------------------------------

_ERRORS = {
    403: OpenApiResponse(description="Council staff only; acting on an incident is for supervisors"),
    404: OpenApiResponse(description="No such incident in the caller's jurisdiction"),
}


def _key(request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if key and not (len(key) <= 64 and key.isascii() and key.isprintable()):
        raise InvalidInput(_("Idempotency-Key must be 1 to 64 printable characters."))
    return key


def _detail(request, incident) -> Response:
    data = {
        "incident": IncidentSerializer(incident, context={"case_counts": case_counts([incident.pk])}).data,
        "totals": TotalsSerializer(incident_totals(incident)).data,
        "cases": CaseRowSerializer(incident_cases(incident), many=True).data,
    }
    return Response(data)


class IncidentListView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(
        operation_id="incidents_list",
        parameters=[OpenApiParameter("page", int)],
        responses={200: IncidentSerializer(many=True), **_ERRORS},
    )
    def get(self, request):
        page = CappedPaginator(access.incidents_visible_to(request.user).select_related("merchant", "council"), 25)
        rows = list(page.get_page(request.query_params.get("page")))
        context = {"case_counts": case_counts([incident.pk for incident in rows])}
        return Response(IncidentSerializer(rows, many=True, context=context).data)

    @extend_schema(
        operation_id="incidents_create",
        request=IncidentCreateSerializer,
        responses={201: IncidentDetailSerializer, 400: OpenApiResponse(description="Invalid input"), **_ERRORS},
    )
    def post(self, request):
        incidents.check_handles(request.user)
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = incidents.open_incident(actor=request.user, **serializer.validated_data)
        response = _detail(request, incident)
        response.status_code = status.HTTP_201_CREATED
        return response


class PublicIncidentListView(APIView):
    """Open, public-facing incidents: a consumer filing against one of these merchants may join."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle]

    @extend_schema(
        operation_id="incidents_public",
        parameters=[OpenApiParameter("merchant", int, description="Only the incidents about this merchant.")],
        responses={200: PublicIncidentSerializer(many=True)},
    )
    def get(self, request):
        rows = open_public_incidents().order_by("-created_at", "-pk")
        merchant = request.query_params.get("merchant", "")
        if merchant:
            if not merchant.isdigit() or not 0 < int(merchant) <= MAX_ID:
                raise InvalidInput(_("Give a merchant's id."), fields={"merchant": [_("Give a merchant's id.")]})
            rows = rows.filter(merchant_id=int(merchant))
        return Response(PublicIncidentSerializer(rows[:100], many=True).data)


class IncidentDetailView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(operation_id="incidents_retrieve", responses={200: IncidentDetailSerializer, **_ERRORS})
    def get(self, request, pk: int):
        return _detail(request, access.get_incident_for(request.user, pk))


class IncidentMatchesView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(
        operation_id="incidents_matches",
        description="Open cases of the caller's jurisdiction that match the incident's rule and are in no incident.",
        responses={200: CaseRowSerializer(many=True), **_ERRORS},
    )
    def get(self, request, pk: int):
        incident = access.get_incident_for(request.user, pk)
        return Response(CaseRowSerializer(proposed_cases(incident, request.user), many=True).data)


class IncidentCasesView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(
        operation_id="incidents_cases",
        request=CaseIdsSerializer,
        responses={
            200: CasesResultSerializer,
            400: OpenApiResponse(description="Invalid input"),
            409: OpenApiResponse(description="The incident is closed"),
            **_ERRORS,
        },
    )
    def post(self, request, pk: int):
        incidents.check_handles(request.user)
        access.get_incident_for(request.user, pk)
        serializer = CaseIdsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        empty = incidents.BulkResult()
        added = incidents.add_cases(actor=request.user, incident_id=pk, case_ids=data["add"]) if data["add"] else empty
        removed = (
            incidents.remove_cases(actor=request.user, incident_id=pk, case_ids=data["remove"])
            if data["remove"]
            else empty
        )
        return Response({"added": added.as_dict(), "removed": removed.as_dict()})


class _BulkActView(APIView):
    permission_classes = [IsCouncilStaff]
    serializer_class: type[serializers.Serializer]

    def post(self, request, pk: int):
        incidents.check_handles(request.user)
        access.get_incident_for(request.user, pk)
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = self.act(request, pk, serializer.validated_data, _key(request))
        return Response(result.as_dict())


def _bulk_schema(operation_id: str, request, description: str):
    return extend_schema(
        operation_id=operation_id,
        description=description,
        request=request,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: BulkResultSerializer,
            400: OpenApiResponse(description="Invalid input"),
            409: OpenApiResponse(description="The incident is closed"),
            **_ERRORS,
        },
    )


class IncidentMessageView(_BulkActView):
    serializer_class = IncidentMessageSerializer

    @_bulk_schema(
        "incidents_message",
        IncidentMessageSerializer,
        "Message every consumer of the incident's open cases (SMS and in-app); each case's timeline gets it once.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data, key):
        return incidents.message_all(actor=request.user, incident_id=pk, message=data["message"], key=key)


class IncidentAssignView(_BulkActView):
    serializer_class = IncidentAssignSerializer

    @_bulk_schema(
        "incidents_assign",
        IncidentAssignSerializer,
        "Assign one mediator to every case in mediation; the others are listed in `refused` with the reason.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data, key):
        return incidents.assign_mediator_to_all(actor=request.user, incident_id=pk, mediator=data["mediator"], key=key)


class IncidentOfferView(_BulkActView):
    serializer_class = CollectiveOfferSerializer

    @_bulk_schema(
        "incidents_offer",
        CollectiveOfferSerializer,
        "Record the merchant's collective offer on every case awaiting the merchant, awaiting the consumer or in "
        "mediation; each consumer accepts or rejects it with the case's accept and reject actions.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data, key):
        return incidents.collective_offer(actor=request.user, incident_id=pk, key=key, **data)


class IncidentCloseView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(operation_id="incidents_close", request=None, responses={200: IncidentDetailSerializer, **_ERRORS})
    def post(self, request, pk: int):
        incident = incidents.close_incident(actor=request.user, incident_id=pk)
        return _detail(request, incident)
