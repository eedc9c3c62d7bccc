"""Merchants API (API.md "Merchants"): the public list and record, enrolment."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import MerchantApplySerializer, MerchantListSerializer, MerchantPublicSerializer, MerchantSerializer


@extend_schema_view(
    get=extend_schema(
        operation_id="merchants_list",
        parameters=[OpenApiParameter("q", str, description="Part of the name, or the exact credit code.")],
    )
)
class MerchantListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = MerchantListSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.enrolled_merchants(self.request.query_params.get("q", ""))


class MerchantDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="merchants_retrieve", responses={200: MerchantPublicSerializer})
    def get(self, request, pk: int):
        merchant = selectors.public_merchant(pk)
        context = {"request": request, "record": selectors.public_record(merchant)}
        return Response(MerchantPublicSerializer(merchant, context=context).data)


class MerchantApplyView(APIView):
    @extend_schema(operation_id="merchants_apply", request=MerchantApplySerializer, responses={201: MerchantSerializer})
    def post(self, request):
        serializer = MerchantApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merchant = services.apply_for_enrolment(applicant=request.user, **serializer.validated_data)
        return Response(MerchantSerializer(merchant).data, status=status.HTTP_201_CREATED)


_DECISION_RESPONSES = {
    200: MerchantSerializer,
    403: OpenApiResponse(description="Not a supervisor"),
    404: OpenApiResponse(description="Not in the caller's jurisdiction"),
    409: OpenApiResponse(description="Not allowed in the merchant's current status"),
}


class _DecisionView(APIView):
    decide = None  # a merchants.services function taking actor= and merchant_id=

    def post(self, request, pk: int):
        merchant = self.decide(actor=request.user, merchant_id=pk)
        return Response(MerchantSerializer(merchant).data)


@extend_schema_view(post=extend_schema(operation_id="merchants_approve", request=None, responses=_DECISION_RESPONSES))
class MerchantApproveView(_DecisionView):
    decide = staticmethod(services.approve_merchant)


@extend_schema_view(post=extend_schema(operation_id="merchants_refuse", request=None, responses=_DECISION_RESPONSES))
class MerchantRefuseView(_DecisionView):
    decide = staticmethod(services.refuse_merchant)


@extend_schema_view(post=extend_schema(operation_id="merchants_suspend", request=None, responses=_DECISION_RESPONSES))
class MerchantSuspendView(_DecisionView):
    decide = staticmethod(services.suspend_merchant)
