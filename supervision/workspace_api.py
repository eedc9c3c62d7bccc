"""The council workspace's pages as API operations (API.md "Supervision"): targets, the audit
log, the timeline integrity check, notice delivery with the resend of a failed notice, and the
merchants and applications of the jurisdiction. Same access rules and answers as the pages."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import IsCouncilStaff, IsSupervisor
from accounts.serializers import CouncilRefSerializer
from complaints.access import masked_recipient
from complaints.notices import retry_notice
from mediation.errors import InvalidInput
from merchants import selectors as merchant_selectors
from merchants.models import Merchant, MerchantStatus
from notifications.types import label_of

from . import audit_presenters, audit_selectors, notice_selectors
from .audit_forms import AuditFilterForm, IntegrityForm
from .targets import LIMITS, set_targets, targets_for

# --- targets ---------------------------------------------------------------------------------


def _target_field(name: str, help_text):
    low, high = LIMITS[name]
    return serializers.IntegerField(min_value=low, max_value=high, allow_null=True, help_text=help_text)


class CouncilTargetsInputSerializer(serializers.Serializer):
    """The council's own targets; null means "as the council above" (then the published default)."""

    handling_rate = _target_field("handling_rate", _("Share answered within the merchant's first deadline, %."))
    satisfaction = _target_field("satisfaction", _("Average rating as a share of 5, %."))
    first_response_hours = _target_field("first_response_hours", _("Average first response, hours."))


class CouncilTargetsSerializer(serializers.Serializer):
    council = CouncilRefSerializer()
    own = CouncilTargetsInputSerializer(help_text=_("What this council set; null where it follows the council above."))
    effective = serializers.DictField(help_text=_("The targets in force, with the council that set each (set_by)."))


def _targets_body(council) -> dict:
    own = {name: getattr(council, f"target_{name}") for name in CouncilTargetsInputSerializer().fields}
    return {
        "council": {"id": council.pk, "name": council.name},
        "own": own,
        "effective": targets_for(council).as_dict(),
    }


class CouncilTargetsView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(operation_id="council_targets_retrieve", responses={200: CouncilTargetsSerializer})
    def get(self, request):
        return Response(_targets_body(request.user.council))

    @extend_schema(
        operation_id="council_targets_update",
        request=CouncilTargetsInputSerializer,
        responses={200: CouncilTargetsSerializer, 400: OpenApiResponse(description="A target out of range")},
    )
    def put(self, request):
        """Set every target of the supervisor's own council at once (null: as the council above);
        the change is in the audit log."""
        serializer = CouncilTargetsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        set_targets(actor=request.user, **serializer.validated_data)
        request.user.council.refresh_from_db()
        return Response(_targets_body(request.user.council))


# --- audit log and integrity -----------------------------------------------------------------


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="entry.pk")
    created_at = serializers.DateTimeField(source="entry.created_at")
    action = serializers.CharField(source="entry.action")
    action_display = serializers.CharField(source="action")
    actor = serializers.CharField(source="entry.actor.display_name", default="", allow_null=True)
    actor_role = serializers.CharField(source="entry.actor_role")
    object_type = serializers.CharField(source="entry.object_type")
    object_id = serializers.CharField(source="entry.object_id")
    case_number = serializers.CharField()
    ip = serializers.CharField(source="entry.ip", allow_null=True)
    details = serializers.SerializerMethodField()

    def get_details(self, row) -> list[dict]:
        return [{"label": label, "value": value} for label, value in row["details"]]


@extend_schema_view(
    get=extend_schema(
        operation_id="council_audit_list",
        parameters=[
            OpenApiParameter("action", str, description="An action code, e.g. complaint.respond or contact.reveal."),
            OpenApiParameter("actor", str, description="A user name, or part of a name."),
            OpenApiParameter("day", str, description="A day, YYYY-MM-DD."),
        ],
        responses={200: AuditEntrySerializer(many=True), 400: OpenApiResponse(description="A filter is invalid")},
    )
)
class AuditLogView(generics.ListAPIView):
    """The audit log of the supervisor's jurisdiction, newest first, as the audit page shows it."""

    permission_classes = [IsSupervisor]
    serializer_class = AuditEntrySerializer
    filter_backends: list = []

    def list(self, request, *args, **kwargs):
        entries = audit_selectors.entries_for(request.user)
        params = request.query_params
        if params:
            actions = audit_presenters.action_choices(audit_selectors.actions_in(entries))
            form = AuditFilterForm(params, actions=actions)
            if not form.is_valid():
                raise InvalidInput(_("Check the filters."), fields=form.errors.get_json_data())
            data = form.cleaned_data
            entries = audit_selectors.filter_entries(
                entries, action=data["action"], actor=data["actor"].strip(), day=data["day"]
            )
        page = self.paginate_queryset(entries)
        rows = [audit_presenters.present(entry) for entry in page]
        return self.get_paginated_response(AuditEntrySerializer(rows, many=True).data)


class ProblemSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    position = serializers.IntegerField(help_text=_("1-based place in the case's timeline."))
    reason = serializers.CharField()
    reason_display = serializers.CharField(source="label")


class AlteredCaseSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    complaint = serializers.IntegerField()
    problems = ProblemSerializer(many=True)


class IntegritySerializer(serializers.Serializer):
    checked = serializers.IntegerField(help_text=_("Cases whose timeline was verified."))
    failing = AlteredCaseSerializer(many=True, help_text=_("Cases whose timeline no longer matches its hashes."))


class IntegrityView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        operation_id="council_integrity_retrieve",
        parameters=[
            OpenApiParameter("case", str, description="A case number; every case of the jurisdiction without.")
        ],
        responses={200: IntegritySerializer},
    )
    def get(self, request):
        """Verify the hash chain of the timelines of the jurisdiction (or of one case)."""
        form = IntegrityForm(request.query_params)
        if not form.is_valid():
            raise InvalidInput(_("Check the case number."), fields=form.errors.get_json_data())
        checked, failing = audit_selectors.altered_cases(request.user, case_number=form.cleaned_data["case"])
        body = {
            "checked": checked,
            "failing": [
                {"case_number": number, "complaint": pk, "problems": problems} for number, pk, problems in failing
            ],
        }
        return Response(IntegritySerializer(body).data)


# --- notice delivery -------------------------------------------------------------------------


class FailedNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    complaint = serializers.IntegerField(source="complaint_id")
    case_number = serializers.CharField(source="complaint.case_number")
    event = serializers.CharField()
    event_display = serializers.SerializerMethodField()
    channel = serializers.CharField()
    recipient = serializers.SerializerMethodField(help_text=_("Masked: 139****0001, l***@council.example."))
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_event_display(self, notice) -> str:
        return str(label_of(notice.event))

    def get_recipient(self, notice) -> str:
        return masked_recipient(notice)


class DeliveryOverviewSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()


@extend_schema_view(get=extend_schema(operation_id="council_notices_list"))
class NoticeDeliveryView(generics.ListAPIView):
    """SMS and e-mail delivery in the jurisdiction over the last 24 hours (`overview`), and the
    failed notices staff may send again, newest first (paginated)."""

    permission_classes = [IsCouncilStaff]
    serializer_class = FailedNoticeSerializer
    filter_backends: list = []

    def get_queryset(self):
        return notice_selectors.failed_notices(self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["overview"] = notice_selectors.delivery_overview(request.user)
        return response


class NoticeRetryView(APIView):
    permission_classes = [IsCouncilStaff]

    @extend_schema(
        operation_id="council_notices_retry",
        request=None,
        responses={200: FailedNoticeSerializer, 404: OpenApiResponse(description="No such notice in the jurisdiction")},
    )
    def post(self, request, pk: int):
        """Send a failed notice again (a notice no longer failed is left as it is: see `status`)."""
        notice = retry_notice(actor=request.user, notice_id=pk)
        return Response(FailedNoticeSerializer(notice).data)


# --- merchants and applications of the jurisdiction ------------------------------------------


class CouncilMerchantSerializer(serializers.ModelSerializer):
    region = CouncilRefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display")
    applicant = serializers.SerializerMethodField()

    class Meta:
        model = Merchant
        fields = ["id", "name", "uscc", "region", "status", "status_display", "created_at", "enrolled_at", "applicant"]
        read_only_fields = fields

    def get_applicant(self, merchant) -> str | None:
        applicant = getattr(merchant, "applicant", None)
        return applicant.user.display_name if applicant else None


@extend_schema_view(
    get=extend_schema(
        operation_id="council_merchants_list",
        parameters=[
            OpenApiParameter("status", str, enum=MerchantStatus.values, description="applied: pending applications."),
            OpenApiParameter("q", str, description="Part of the name, or the exact credit code."),
        ],
    )
)
class CouncilMerchantListView(generics.ListAPIView):
    """Applications and merchants of the supervisor's jurisdiction, newest first."""

    permission_classes = [IsSupervisor]
    serializer_class = CouncilMerchantSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        return merchant_selectors.merchants_for_supervisor(
            self.request.user, status=params.get("status", ""), q=params.get("q", "")
        )
