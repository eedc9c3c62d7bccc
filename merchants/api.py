"""Merchants API (API.md "Merchants", "Supervision and public data"): the public list and
record, enrolment and its decisions, the merchant's team, phone reveals and violations."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AnonymousThrottle
from accounts.models import Role
from mediation.errors import NotAllowed
from mediation.web import client_ip

from . import selectors, services
from .serializers import (
    AgentSerializer,
    AssignAgentSerializer,
    ContactRevealSerializer,
    DecisionReasonSerializer,
    InvitationSerializer,
    InviteAgentSerializer,
    MerchantApplySerializer,
    MerchantListSerializer,
    MerchantPublicSerializer,
    MerchantSerializer,
    MyInvitationSerializer,
    RefusalSerializer,
    RevealedPhoneSerializer,
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
        indexes = selectors.credit_indexes([m.pk for m in page]) if page else {}
        context = {**self.get_serializer_context(), "credit_indexes": indexes}
        return self.get_paginated_response(MerchantListSerializer(page, many=True, context=context).data)


class MerchantDetailView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle]

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
    decide = None  # a merchants.services function taking actor= and merchant_id= (and reason=)
    body = None  # the serializer of the body, when the decision takes a reason

    def post(self, request, pk: int):
        kwargs = {}
        if self.body is not None:
            serializer = self.body(data=request.data)
            serializer.is_valid(raise_exception=True)
            kwargs = serializer.validated_data
        merchant = self.decide(actor=request.user, merchant_id=pk, **kwargs)
        return Response(MerchantSerializer(merchant).data)


@extend_schema_view(post=extend_schema(operation_id="merchants_approve", request=None, responses=_DECISION_RESPONSES))
class MerchantApproveView(_DecisionView):
    decide = staticmethod(services.approve_merchant)


@extend_schema_view(
    post=extend_schema(operation_id="merchants_refuse", request=RefusalSerializer, responses=_DECISION_RESPONSES)
)
class MerchantRefuseView(_DecisionView):
    decide = staticmethod(services.refuse_merchant)
    body = RefusalSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="merchants_suspend", request=DecisionReasonSerializer, responses=_DECISION_RESPONSES
    )
)
class MerchantSuspendView(_DecisionView):
    decide = staticmethod(services.suspend_merchant)
    body = DecisionReasonSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="merchants_reinstate", request=DecisionReasonSerializer, responses=_DECISION_RESPONSES
    )
)
class MerchantReinstateView(_DecisionView):
    decide = staticmethod(services.reinstate_merchant)
    body = DecisionReasonSerializer


# --- the merchant's team -------------------------------------------------------------------


def _owner(user):
    if user.role != Role.MERCHANT_OWNER:
        raise NotAllowed(_("Only the merchant's owner manages its team."))
    return user


@extend_schema_view(
    get=extend_schema(operation_id="merchant_agents_list", responses={200: AgentSerializer(many=True)}),
    post=extend_schema(
        operation_id="merchant_agents_invite",
        request=InviteAgentSerializer,
        responses={
            201: InvitationSerializer,
            403: OpenApiResponse(description="Not a merchant owner"),
            429: OpenApiResponse(description="Too many invitations or SMS today; see Retry-After"),
        },
    ),
)
class AgentListView(APIView):
    """The owner's team; POST invites a number, whose owner accepts or declines on the site."""

    def get(self, request):
        owner = _owner(request.user)
        return Response(AgentSerializer(selectors.team_of(owner.merchant_id), many=True).data)

    def post(self, request):
        owner = _owner(request.user)
        serializer = InviteAgentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invite_agent(owner=owner, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


def _my_invitation(request, invitation) -> dict:
    return {
        "id": invitation.pk,
        "merchant": invitation.merchant,
        "name": invitation.name,
        "created_at": invitation.created_at,
        "expires_at": services.invitation_expiry(invitation),
        "refusal": services.acceptance_refusal(request.user, invitation),
    }


class MyInvitationsView(APIView):
    """Invitations to join a merchant's team sent to the caller's own number."""

    @extend_schema(operation_id="me_invitations_list", responses={200: MyInvitationSerializer(many=True)})
    def get(self, request):
        rows = [_my_invitation(request, i) for i in selectors.pending_invitations_to(request.user.phone)]
        return Response(MyInvitationSerializer(rows, many=True).data)


class MyInvitationAnswerView(APIView):
    """Accept (the caller becomes the merchant's agent) or decline an invitation to their number."""

    choice = ""

    def post(self, request, pk: int):
        phone = request.user.phone
        if self.choice == "accept":
            account = services.accept_invitation(phone=phone, invitation_id=pk)
            return Response(AgentSerializer(account).data)
        services.decline_invitation(phone=phone, invitation_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


_ANSWER_RESPONSES = {
    403: OpenApiResponse(description="The caller's account has another role; another number must be invited"),
    404: OpenApiResponse(description="No pending invitation with this id to the caller's number"),
}
MyInvitationAcceptView = extend_schema_view(
    post=extend_schema(
        operation_id="me_invitations_accept", request=None, responses={200: AgentSerializer, **_ANSWER_RESPONSES}
    )
)(type("MyInvitationAcceptView", (MyInvitationAnswerView,), {"choice": "accept"}))
MyInvitationDeclineView = extend_schema_view(
    post=extend_schema(operation_id="me_invitations_decline", request=None, responses={204: None, **_ANSWER_RESPONSES})
)(type("MyInvitationDeclineView", (MyInvitationAnswerView,), {"choice": "decline"}))


class AgentRemoveView(APIView):
    @extend_schema(
        operation_id="merchant_agents_remove",
        request=None,
        responses={200: AgentSerializer, 403: OpenApiResponse(description="Not a merchant owner")},
    )
    def post(self, request, pk: int):
        agent = services.remove_agent(owner=_owner(request.user), agent_id=pk)
        return Response(AgentSerializer(agent).data)


class AssignAgentView(APIView):
    @extend_schema(
        operation_id="complaints_assign_agent",
        request=AssignAgentSerializer,
        responses={
            200: OpenApiResponse(description='The case\'s agent: {"agent": id or null}'),
            403: OpenApiResponse(description="Not the merchant's owner"),
            404: OpenApiResponse(description="No such case, or not the caller's merchant's"),
        },
    )
    def post(self, request, pk: int):
        serializer = AssignAgentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.assign_agent(
            owner=_owner(request.user), complaint=pk, agent=serializer.validated_data["agent"]
        )
        return Response({"agent": complaint.agent_id})


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
        phone = services.reveal_consumer_phone(actor=request.user, complaint_id=pk, ip=client_ip(request))
        response = Response({"phone": phone})
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(get=extend_schema(operation_id="contact_reveals_list"))
class ContactRevealListView(generics.ListAPIView):
    """The phone-reveal access log of the caller's jurisdiction (council staff)."""

    serializer_class = ContactRevealSerializer
    filter_backends: list = []

    def get_queryset(self):
        if not self.request.user.is_council_staff:
            raise NotAllowed(_("The access log is for council staff."))
        return selectors.contact_reveals_for_staff(self.request.user)


# --- violations ----------------------------------------------------------------------------


def _supervisor(user):
    if user.role != Role.SUPERVISOR:
        raise NotAllowed(_("Only council supervisors decide on violations."))
    return user


@extend_schema_view(
    get=extend_schema(
        operation_id="violations_list",
        parameters=[OpenApiParameter("status", str, description="reported, confirmed or dismissed")],
    )
)
class ViolationListView(generics.ListAPIView):
    serializer_class = ViolationSerializer
    filter_backends: list = []

    def get_queryset(self):
        user = _supervisor(self.request.user)
        return selectors.violations_for_staff(user, status=self.request.query_params.get("status", ""))


_VIOLATION_RESPONSES = {
    200: ViolationSerializer,
    403: OpenApiResponse(description="Not a supervisor"),
    404: OpenApiResponse(description="Not in the caller's jurisdiction"),
    409: OpenApiResponse(description="Already decided"),
}


class _ViolationDecisionView(APIView):
    decide = None
    body = DecisionReasonSerializer

    def post(self, request, pk: int):
        serializer = self.body(data=request.data)
        serializer.is_valid(raise_exception=True)
        violation = self.decide(actor=_supervisor(request.user), violation_id=pk, **serializer.validated_data)
        return Response(ViolationSerializer(violation).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="violations_confirm", request=DecisionReasonSerializer, responses=_VIOLATION_RESPONSES
    )
)
class ViolationConfirmView(_ViolationDecisionView):
    decide = staticmethod(services.confirm_violation)


@extend_schema_view(
    post=extend_schema(operation_id="violations_dismiss", request=RefusalSerializer, responses=_VIOLATION_RESPONSES)
)
class ViolationDismissView(_ViolationDecisionView):
    decide = staticmethod(services.dismiss_violation)
    body = RefusalSerializer
