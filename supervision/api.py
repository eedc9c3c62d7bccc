"""Statistics API (API.md "Supervision and public data")."""

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AnonymousThrottle
from accounts.gates import IsCouncilStaff, IsSupervisor
from audit.services import record_export
from complaints.models import IncidentStatus
from mediation.api import AnyAccept
from mediation.db_router import statistics_reads
from mediation.errors import InvalidInput

from . import dashboard, exports, selectors
from .figures import PUBLIC_FIGURES_KEEP, public_figures_for_readers, public_figures_of
from .forms import DashboardFilterForm, StaffQueueFilter


class ShareSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    n = serializers.IntegerField(help_text=gettext_lazy("The number of cases the rate is a share of."))
    rate = serializers.FloatField(allow_null=True, help_text=gettext_lazy("Percent; null when n is 0."))


class PeriodSerializer(serializers.Serializer):
    filed_after = serializers.DateField(allow_null=True)
    filed_before = serializers.DateField(allow_null=True)


class DashboardCouncilSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FirstResponseSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    average_hours = serializers.FloatField(allow_null=True)
    within_target = ShareSerializer()


class SatisfactionSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True, help_text=gettext_lazy("Average score of 1 to 5."))
    percent = serializers.FloatField(allow_null=True, help_text=gettext_lazy("The average as a share of 5."))


class WeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text=gettext_lazy("ISO week, e.g. 2026-W07."))
    week_start = serializers.DateField()
    filed = serializers.IntegerField()
    closed = serializers.IntegerField()


class MerchantCountSerializer(serializers.Serializer):
    merchant = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()


class TargetsSerializer(serializers.Serializer):
    handling_rate = serializers.IntegerField()
    satisfaction = serializers.IntegerField()
    satisfaction_score = serializers.FloatField()
    first_response_hours = serializers.IntegerField()
    set_by = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text=gettext_lazy("The council that set each target; empty for the published default."),
    )


class MeetsTargetSerializer(serializers.Serializer):
    handling_rate = serializers.BooleanField(allow_null=True)
    satisfaction = serializers.BooleanField(allow_null=True)
    first_response = serializers.BooleanField(allow_null=True)


class DashboardFiguresSerializer(serializers.Serializer):
    council = DashboardCouncilSerializer(
        help_text=gettext_lazy("The region the figures cover, with the councils below it.")
    )
    period = PeriodSerializer(help_text=gettext_lazy("The filing dates the figures cover, both included."))
    generated_at = serializers.DateTimeField()
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text=gettext_lazy("Cases per status."))
    open = serializers.IntegerField()
    new_today = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField(help_text=gettext_lazy("Open cases due within 24 hours."))
    closed = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolution_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("Percent of closed cases the consumer confirmed as resolved.")
    )
    by_outcome = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("Closed cases per outcome.")
    )
    outcome_shares = serializers.DictField(child=ShareSerializer())
    answered_in_time = ShareSerializer(
        help_text=gettext_lazy("Cases the merchant answered by its first deadline, of those whose deadline has come.")
    )
    first_response = FirstResponseSerializer()
    satisfaction = SatisfactionSerializer()
    category_counts = serializers.DictField(child=serializers.IntegerField())
    category_shares = serializers.DictField(child=serializers.FloatField(allow_null=True))
    intake_channel_counts = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("Cases received per intake channel.")
    )
    weekly = WeekSerializer(many=True)
    top_open_merchants = MerchantCountSerializer(many=True)
    top_overdue_merchants = MerchantCountSerializer(many=True)
    targets = TargetsSerializer()
    meets_target = MeetsTargetSerializer()


class PublicNamedMerchantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = serializers.CharField()
    status = serializers.CharField()
    cases = serializers.IntegerField(
        help_text=gettext_lazy("Cases it left unanswered past the deadline or unsettled past the 14-day limit.")
    )


class PublicMerchantIndexSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = serializers.CharField()
    sector = serializers.CharField()
    credit_index = serializers.FloatField(allow_null=True, help_text=gettext_lazy("0-100; null without data."))


class PublicIncidentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    merchant_name = serializers.CharField()
    title = serializers.CharField()
    cases = serializers.IntegerField()
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    opened = serializers.DateField()


class PublicFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    closed = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolution_rate = serializers.FloatField(allow_null=True)
    category_shares = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text=gettext_lazy("Percent of all cases per category.")
    )
    category_counts = serializers.DictField(child=serializers.IntegerField())
    by_outcome = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("Closed cases per outcome.")
    )
    enrolled_merchants = serializers.IntegerField()
    merchant_period_days = serializers.IntegerField(
        help_text=gettext_lazy("The named merchants and credit indexes cover this many days up to now.")
    )
    named_merchants = PublicNamedMerchantSerializer(many=True)
    merchants = PublicMerchantIndexSerializer(many=True, help_text=gettext_lazy("Enrolled merchants, by name."))
    incidents = PublicIncidentRowSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "Incidents (collective complaints) with at least INCIDENT_PUBLIC_MIN_CASES cases, most cases first."
        ),
    )


class StatsView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(
        operation_id="stats_dashboard",
        parameters=[
            OpenApiParameter("filed_after", OpenApiTypes.DATE, description="Cases filed on or after this day."),
            OpenApiParameter("filed_before", OpenApiTypes.DATE, description="Cases filed on or before this day."),
            OpenApiParameter("region", OpenApiTypes.INT, description="A council of the caller's jurisdiction."),
        ],
        responses={
            200: DashboardFiguresSerializer,
            400: OpenApiResponse(description="A filter was not understood"),
            403: OpenApiResponse(description="Council staff only"),
        },
    )
    @statistics_reads
    def get(self, request):
        form = DashboardFilterForm(request.query_params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            raise InvalidInput(_("Some filters were not understood."), fields=form.errors)
        scope = dashboard.scope_for(request.user, **form.valid_filters())
        return Response(DashboardFiguresSerializer(dashboard.cached_staff_dashboard(scope)).data)


class _ExportView(APIView):
    """GET /api/v1/complaints/export.csv and .xlsx: the list GET /api/v1/complaints/ would give
    with the same filters, whole and unpaginated. Supervisors only."""

    content_negotiation_class = AnyAccept
    permission_classes = [IsSupervisor]

    def cases(self, request):
        filterset = StaffQueueFilter(
            request.query_params or None, queryset=selectors.staff_queue(request.user), request=request
        )
        if filterset.is_bound and not filterset.is_valid():
            raise InvalidInput(_("Some filters were not understood."), fields=filterset.errors)
        record_export(request.user, request.path, request.query_params.urlencode(), filterset.qs)
        # Bound to the database chosen now: the CSV's rows are read as it streams, after the view.
        return filterset.qs.using(filterset.qs.db)


_EXPORT_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR),
    OpenApiParameter("category", OpenApiTypes.STR),
    OpenApiParameter("channel", OpenApiTypes.STR),
    OpenApiParameter("merchant", OpenApiTypes.INT),
    OpenApiParameter("region", OpenApiTypes.INT, description="A council; its cases and those of the councils below."),
    OpenApiParameter("priority", OpenApiTypes.INT, description="Minimum priority score."),
    OpenApiParameter("overdue", OpenApiTypes.BOOL),
    OpenApiParameter("open", OpenApiTypes.BOOL),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Case number, order number or text; or the consumer's whole mobile number or full name.",
    ),
    OpenApiParameter("filed_after", OpenApiTypes.DATE),
    OpenApiParameter("filed_before", OpenApiTypes.DATE),
    OpenApiParameter("ordering", OpenApiTypes.STR, description="Default: highest priority first."),
]
_EXPORT_RESPONSES = {
    403: OpenApiResponse(description="Supervisors only"),
    400: OpenApiResponse(description="A filter was not understood"),
}


class ExportCsvView(_ExportView):
    @extend_schema(
        operation_id="complaints_export_csv",
        parameters=_EXPORT_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **_EXPORT_RESPONSES},
    )
    @statistics_reads
    def get(self, request):
        return exports.csv_response(self.cases(request))


class ExportXlsxView(_ExportView):
    @extend_schema(
        operation_id="complaints_export_xlsx",
        parameters=_EXPORT_PARAMETERS,
        responses={(200, exports.XLSX_TYPE): OpenApiTypes.BINARY, **_EXPORT_RESPONSES},
    )
    @statistics_reads
    def get(self, request):
        return exports.xlsx_response(self.cases(request))


class PublicStatsView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle]

    @extend_schema(operation_id="stats_public", responses={200: PublicFiguresSerializer})
    @statistics_reads
    def get(self, request):
        # Anyone may call this, often: the figures are computed in the background every few
        # minutes, and their JSON (every enrolled merchant's index) is rendered once per computation.
        # The summary names the computation; the whole figures are read only to render it.
        summary = public_figures_for_readers(summary=True)
        key = f"public_stats_json:{summary['generated_at'].isoformat()}"
        body = cache.get(key)
        if body is None:
            body = JSONRenderer().render(PublicFiguresSerializer(public_figures_of(summary)).data)
            cache.set(key, body, PUBLIC_FIGURES_KEEP)
        return HttpResponse(body, content_type="application/json")
