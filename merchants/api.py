"""Merchants API (API.md "Merchants"): enrolment and its decisions, the merchant's team and
invitations to it. The public list and record, violations and the phone-reveal log are in
supervision/merchant_api.py; case actions of merchant staff in portal/api.py."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import IsMerchantOwner

from . import enrolment, selectors, team
from .serializers import (
    AgentSerializer,
    DecisionReasonSerializer,
    InvitationSerializer,
    InviteAgentSerializer,
    MerchantApplySerializer,
    MerchantSerializer,
    MyApplicationSerializer,
    MyInvitationSerializer,
    RefusalSerializer,
)


class MyApplicationsView(APIView):
    """The caller's own enrolment applications and where each stands, as the enrolment page shows them."""

    @extend_schema(operation_id="me_applications_list", responses={200: MyApplicationSerializer(many=True)})
    def get(self, request):
        return Response(MyApplicationSerializer(selectors.applications_of(request.user), many=True).data)


class MerchantApplyView(APIView):
    @extend_schema(operation_id="merchants_apply", request=MerchantApplySerializer, responses={201: MerchantSerializer})
    def post(self, request):
        serializer = MerchantApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merchant = enrolment.apply_for_enrolment(applicant=request.user, **serializer.validated_data)
        return Response(MerchantSerializer(merchant).data, status=status.HTTP_201_CREATED)


_DECISION_RESPONSES = {
    200: MerchantSerializer,
    403: OpenApiResponse(description="Not a supervisor"),
    404: OpenApiResponse(description="Not in the caller's jurisdiction"),
    409: OpenApiResponse(description="Not allowed in the merchant's current status"),
}


class _DecisionView(APIView):
    decide = None  # a merchants.enrolment function taking actor= and merchant_id= (and reason=)
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
    decide = staticmethod(enrolment.approve_merchant)


@extend_schema_view(
    post=extend_schema(operation_id="merchants_refuse", request=RefusalSerializer, responses=_DECISION_RESPONSES)
)
class MerchantRefuseView(_DecisionView):
    decide = staticmethod(enrolment.refuse_merchant)
    body = RefusalSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="merchants_suspend", request=DecisionReasonSerializer, responses=_DECISION_RESPONSES
    )
)
class MerchantSuspendView(_DecisionView):
    decide = staticmethod(enrolment.suspend_merchant)
    body = DecisionReasonSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="merchants_reinstate", request=DecisionReasonSerializer, responses=_DECISION_RESPONSES
    )
)
class MerchantReinstateView(_DecisionView):
    decide = staticmethod(enrolment.reinstate_merchant)
    body = DecisionReasonSerializer


# --- the merchant's team -------------------------------------------------------------------


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

    permission_classes = [IsMerchantOwner]

    def get(self, request):
        owner = request.user
        return Response(AgentSerializer(selectors.team_of(owner.merchant_id), many=True).data)

    def post(self, request):
        owner = request.user
        serializer = InviteAgentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = team.invite_agent(owner=owner, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


def _my_invitation(request, invitation) -> dict:
    return {
        "id": invitation.pk,
        "merchant": invitation.merchant,
        "name": invitation.name,
        "created_at": invitation.created_at,
        "expires_at": team.invitation_expiry(invitation),
        "refusal": team.acceptance_refusal(request.user, invitation),
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
            account = team.accept_invitation(phone=phone, invitation_id=pk)
            return Response(AgentSerializer(account).data)
        team.decline_invitation(phone=phone, invitation_id=pk)
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
