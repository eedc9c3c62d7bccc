"""Calls through a privacy number in the API (API.md "Beyond this page"):
GET/POST /api/v1/complaints/{id}/calls/, POST .../calls/off/ and .../calls/on/, and the
providers' call-record callbacks at POST /api/v1/calls/callback/{provider}/."""

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.parsers import check_json_body
from mediation.web import client_ip
from telephony.callbacks import PARSERS, SIGNATURE_HEADER, is_authentic, read_callback
from telephony.gateway import CallbackRefused

from . import access, calls
from .call_presenters import binding_row, calls_overview
from .models import CallDirection

logger = logging.getLogger(__name__)

BINDING_STATUSES = [
    ("active", gettext_lazy("Active")),
    ("expired", gettext_lazy("Expired")),
    ("unbinding", gettext_lazy("Being unbound")),
    ("unbound", gettext_lazy("Unbound")),
]


class BindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=CallDirection.choices)
    direction_display = serializers.CharField()
    privacy_number = serializers.CharField(help_text=gettext_lazy("The middle number to dial; never a party's own."))
    status = serializers.ChoiceField(choices=BINDING_STATUSES)
    status_display = serializers.CharField()
    active = serializers.BooleanField()
    mine = serializers.BooleanField(help_text=gettext_lazy("Made for the caller: theirs to dial."))
    made_by = serializers.CharField(help_text=gettext_lazy("Who asked for it, by name as the caller may see it."))
    merchant_side = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    unbound_at = serializers.DateTimeField(allow_null=True)
    unbind_error = serializers.CharField(help_text=gettext_lazy("Council staff: why unbinding waits for a retry."))


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    caller_party = serializers.ChoiceField(choices=[("consumer", "consumer"), ("merchant", "merchant")])
    caller = serializers.CharField(help_text=gettext_lazy("Role and name; never a number."))
    callee = serializers.CharField()
    started_at = serializers.DateTimeField()
    answered = serializers.BooleanField()
    duration_seconds = serializers.IntegerField()
    duration_display = serializers.CharField()


class CallsOverviewSerializer(serializers.Serializer):
    calls_enabled = serializers.BooleanField()
    may_call = serializers.BooleanField(help_text=gettext_lazy("The caller may ask for a binding now (POST)."))
    call_refusal = serializers.CharField(help_text=gettext_lazy("Why not, when the case does not allow it now."))
    may_switch = serializers.BooleanField(help_text=gettext_lazy("The caller may turn calls off or on."))
    bindings = BindingSerializer(many=True, help_text=gettext_lazy("Staff: all; a party: their own."))
    calls = CallSerializer(many=True)


class CallRequestSerializer(serializers.Serializer):
    """Empty: merchant staff get a number to call the consumer, the consumer one to call the merchant."""


class CallsSwitchSerializer(serializers.Serializer):
    calls_enabled = serializers.BooleanField()


def _overview(request, complaint) -> dict:
    data = calls_overview(request.user, complaint)
    return {key: data[key] for key in CallsOverviewSerializer().fields}


class CaseCallsView(APIView):
    @extend_schema(
        operation_id="complaints_calls_list",
        responses={200: CallsOverviewSerializer},
        description="The case's privacy-number bindings and calls as the caller may see them (parties and staff).",
    )
    def get(self, request, pk: int):
        complaint = access.get_complaint_for(request.user, pk)
        return Response(CallsOverviewSerializer(_overview(request, complaint)).data)

    @extend_schema(
        operation_id="complaints_calls_create",
        request=CallRequestSerializer,
        responses={
            201: BindingSerializer,
            403: OpenApiResponse(description="Neither the case's merchant staff nor its consumer (the reason)"),
            409: OpenApiResponse(description="The case is closed, calls are turned off, or a phone is missing"),
            503: OpenApiResponse(description="The call gateway did not bind: try again later"),
        },
        description=(
            "Merchant staff get a privacy number that connects them to the consumer; the consumer one that "
            "connects them to the merchant. An active binding of the caller's is answered again."
        ),
    )
    def post(self, request, pk: int):
        user = request.user
        complaint = access.get_complaint_for(user, pk)
        direction = CallDirection.TO_CONSUMER if user.is_merchant_user else CallDirection.TO_MERCHANT
        binding = calls.bind_for_case(actor=user, complaint_id=complaint.pk, direction=direction, ip=client_ip(request))
        response = Response(
            BindingSerializer(binding_row(user, complaint, binding)).data, status=status.HTTP_201_CREATED
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _switch_view(enabled: bool) -> type[APIView]:
    class CallsSwitchView(APIView):
        @extend_schema(
            operation_id=f"complaints_calls_{'on' if enabled else 'off'}",
            request=None,
            responses={
                200: CallsSwitchSerializer,
                403: OpenApiResponse(description="Not the case's consumer"),
                409: OpenApiResponse(description="The case is closed"),
            },
            description=(
                "The consumer turns calls back on for the case."
                if enabled
                else "The consumer turns calls off for the case: no new binding, and the active ones are unbound."
            ),
        )
        def post(self, request, pk: int):
            complaint = calls.set_calls_enabled(
                actor=request.user, complaint_id=pk, enabled=enabled, ip=client_ip(request)
            )
            return Response({"calls_enabled": complaint.calls_enabled})

    CallsSwitchView.__name__ = f"Calls{'On' if enabled else 'Off'}View"
    return CallsSwitchView


CallsOnView = _switch_view(True)
CallsOffView = _switch_view(False)


class CallbackAnswerSerializer(serializers.Serializer):
    recorded = serializers.IntegerField(help_text=gettext_lazy("Calls recorded now (a call reported again is not)."))


class CallCallbackView(APIView):
    """A provider reports calls through its bindings. No login: the body carries the shared
    secret (CALL_CALLBACK_SECRET) as its HMAC signature or the URL's token; anything else is 403."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="calls_callback",
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={
            200: CallbackAnswerSerializer,
            403: OpenApiResponse(description="Signature or token missing or wrong"),
        },
        parameters=[
            OpenApiParameter("provider", str, OpenApiParameter.PATH, enum=sorted(PARSERS)),
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Hex HMAC-SHA256 of the raw body with CALL_CALLBACK_SECRET.",
            ),
            OpenApiParameter(
                "token", str, required=False, description="CALL_CALLBACK_SECRET, for providers that do not sign."
            ),
        ],
        description="The provider's call-record push (Aliyun SecretReport, Tencent hang-up), one record or a list.",
    )
    def post(self, request, provider: str):
        if provider not in PARSERS:
            raise exceptions.NotFound()
        body = request.body
        if not is_authentic(
            body, signature=request.headers.get(SIGNATURE_HEADER, ""), token=request.query_params.get("token", "")
        ):
            raise exceptions.PermissionDenied(_("The callback's signature or token is missing or wrong."))
        check_json_body(body)
        try:
            records = read_callback(provider, body)
        except CallbackRefused as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from None
        recorded = sum(1 for record in records if calls.record_call(record)[1])
        return Response({"recorded": recorded})
