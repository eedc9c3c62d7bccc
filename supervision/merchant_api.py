"""The public merchant list and record (with the credit index from complaints.records), and the
council's violation reviews and phone-reveal log (API.md "Merchants", "Supervision and public data")."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AnonymousThrottle
from accounts.gates import IsCouncilStaff, IsSupervisor
from complaints import records, violations
from complaints import team as case_team
from merchants import selectors
from merchants.serializers import (
    ContactRevealSerializer,
    DecisionReasonSerializer,
    MerchantListSerializer,
    MerchantPublicSerializer,
    RefusalSerializer,
    ViolationSerializer,
)


@extend_schema_view(
    get=extend_schema(
        operation_id="merchants_list",
        parameters=[OpenApiParameter("q", str, description="Part of the name, or the exact credit code.")],
    )
)
class MerchantListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle]
    serializer_class = MerchantListSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.enrolled_merchants(self.request.query_params.get("q", ""))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        indexes = records.credit_indexes([m.pk for m in page]) if page else {}
        context = {**self.get_serializer_context(), "credit_indexes": indexes}
        return self.get_paginated_response(MerchantListSerializer(page, many=True, context=context).data)


class MerchantDetailView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle]

    @extend_schema(operation_id="merchants_retrieve", responses={200: MerchantPublicSerializer})
    def get(self, request, pk: int):
        merchant = selectors.public_merchant(pk)
        context = {"request": request, "record": records.public_record(merchant)}
        return Response(MerchantPublicSerializer(merchant, context=context).data)


@extend_schema_view(get=extend_schema(operation_id="contact_reveals_list"))
class ContactRevealListView(generics.ListAPIView):
    """The phone-reveal access log of the caller's jurisdiction (council staff)."""

    permission_classes = [IsCouncilStaff]
    serializer_class = ContactRevealSerializer
    filter_backends: list = []

    def get_queryset(self):
        return case_team.contact_reveals_for_staff(self.request.user)


# --- violations ----------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="violations_list",
        parameters=[OpenApiParameter("status", str, description="reported, confirmed or dismissed")],
    )
)
class ViolationListView(generics.ListAPIView):
    permission_classes = [IsSupervisor]
    serializer_class = ViolationSerializer
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        return violations.violations_for_staff(user, status=self.request.query_params.get("status", ""))


_VIOLATION_RESPONSES = {
    200: ViolationSerializer,
    403: OpenApiResponse(description="Not a supervisor"),
    404: OpenApiResponse(description="Not in the caller's jurisdiction"),
    409: OpenApiResponse(description="Already decided"),
}


class _ViolationDecisionView(APIView):
    permission_classes = [IsSupervisor]
    decide = None
    body = DecisionReasonSerializer

    def post(self, request, pk: int):
        serializer = self.body(data=request.data)
        serializer.is_valid(raise_exception=True)
        violation = self.decide(actor=request.user, violation_id=pk, **serializer.validated_data)
        return Response(ViolationSerializer(violation).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="violations_confirm", request=DecisionReasonSerializer, responses=_VIOLATION_RESPONSES
    )
)
class ViolationConfirmView(_ViolationDecisionView):
    decide = staticmethod(violations.confirm_violation)


@extend_schema_view(
    post=extend_schema(operation_id="violations_dismiss", request=RefusalSerializer, responses=_VIOLATION_RESPONSES)
)
class ViolationDismissView(_ViolationDecisionView):
    decide = staticmethod(violations.dismiss_violation)
    body = RefusalSerializer
