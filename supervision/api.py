"""Statistics API (API.md "Supervision and public data")."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.errors import NotAllowed

from . import selectors


class DashboardFiguresSerializer(serializers.Serializer):
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


class StatsView(APIView):
    @extend_schema(
        operation_id="stats_dashboard",
        responses={200: DashboardFiguresSerializer, 403: OpenApiResponse(description="Council staff only")},
    )
    def get(self, request):
        if not request.user.is_council_staff:
            raise NotAllowed(_("Statistics are for council staff."))
        return Response(DashboardFiguresSerializer(selectors.dashboard_figures(request.user)).data)


class PublicStatsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="stats_public", responses={200: PublicFiguresSerializer})
    def get(self, request):
        # Anyone may call this, often: the figures are computed at most every few minutes.
        return Response(PublicFiguresSerializer(selectors.cached_public_figures()).data)
