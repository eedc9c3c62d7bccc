"""Complaints API (API.md "Complaints"): file, list, read, act, and evidence.

Every case is reached through complaints.access; every change goes through
complaints.filing, complaints.workflow or complaints.services. The action endpoints, one per
action of complaints/actions.py, take the body its declaration names. Domain errors become 400/403/404/409/413/415
in mediation.api.exception_handler.
"""

import re

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import IsConsumer, IsFiler
from mediation.api import AnyAccept, CaseListPagination
from mediation.errors import InvalidInput
from mediation.text import TextSerializerField
from mediation.web import client_ip, file_response

from . import access, addresses, filing, services, workflow
from .actions import ACTIONS
from .filters import ComplaintFilter
from .intake import file_for_consumer
from .models import AddressGrant, MediationSession
from .presenters import session_entries
from .serializers import (
    ComplaintCreateSerializer,
    ComplaintDetailSerializer,
    ComplaintSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    IntakeSerializer,
    MediationSessionSerializer,
)

# Room for the multipart envelope around one file at the size limit.
UPLOAD_OVERHEAD = 64 * 1024
# A client's key for one filing (Idempotency-Key): printable ASCII, as HTTP headers carry it.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def detail_response(request, complaint, status_code: int = status.HTTP_200_OK, *, timeline=None) -> Response:
    """The case as `request.user` sees it; `timeline`: the events the caller holds, filtered
    as access.timeline_for would read them."""
    user = request.user
    context = {
        "request": request,
        "timeline": list(access.timeline_for(user, complaint)) if timeline is None else timeline,
        "allowed_actions": workflow.allowed_actions(user, complaint),
        "sessions": session_entries(user, complaint),
        "notices": list(complaint.notices.select_related("recipient").order_by("created_at", "id"))
        if user.is_council_staff
        else None,
    }
    return Response(ComplaintDetailSerializer(complaint, context=context).data, status=status_code)


def held(instance, relation: str, objects: list) -> None:
    """`instance.<relation>.all()` answers with `objects` in hand, as prefetch_related would."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache, queryset._prefetch_done = list(objects), True
    instance._prefetched_objects_cache = {**getattr(instance, "_prefetched_objects_cache", {}), relation: queryset}


@extend_schema_view(get=extend_schema(operation_id="complaints_list"))
class ComplaintListView(generics.ListAPIView):
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    pagination_class = CaseListPagination

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsFiler()]  # consumers, and intake staff for consumers
        return super().get_permissions()

    def get_queryset(self):
        return (
            access.complaints_visible_to(self.request.user)
            .select_related("merchant", "council", "consumer", "mediator")
            .prefetch_related("evidence")
        )

    @extend_schema(
        operation_id="complaints_create",
        description=(
            "A consumer files their own complaint. A council supervisor or intake clerk files for a "
            "consumer who called or came in: the same fields with consumer_phone, consumer_name, "
            "intake_channel, consent and consent_statement (IntakeSerializer). The consumer's account is "
            "found by the number or made, and the consumer is told by SMS with a link to take the case over."
        ),
        request=PolymorphicProxySerializer(
            component_name="ComplaintFiling",
            serializers=[ComplaintCreateSerializer, IntakeSerializer],
            resource_type_field_name=None,
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description=(
                    "A key the client makes for this one filing (a UUID), 1 to 255 printable characters. "
                    "Sent again with the same key, the filing is not repeated: the answer is 201 with the "
                    "case that key filed."
                ),
            )
        ],
        responses={
            201: ComplaintDetailSerializer,
            400: OpenApiResponse(
                description="Invalid input; for staff also no consent, or a number that is not a consumer's"
            ),
            403: OpenApiResponse(description="Consumers, and supervisors and intake clerks filing for them"),
            409: OpenApiResponse(
                description=(
                    "possible_duplicate: an open case of this consumer against the same merchant for the same "
                    "order number, filed in the last 24 hours; the body names it (case_number, complaint). "
                    "Send confirm_duplicate: true to file anyway."
                )
            ),
        },
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        staff = request.user.files_for_consumers
        if key is not None:
            if not IDEMPOTENCY_KEY.fullmatch(key):
                raise InvalidInput(_("Idempotency-Key must be 1 to 255 printable characters."))
            # A consumer's own key is checked first thing by filing.submit (AlreadyFiled below).
            earlier = filing.filed_for_token(request.user, key) if staff else None
            if earlier is not None:
                return self._filed(request, earlier)
        serializer = (IntakeSerializer if staff else ComplaintCreateSerializer)(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            if staff:
                complaint = file_for_consumer(staff=request.user, filing_token=key or "", **serializer.intake_data())
            else:
                filed = filing.submit(consumer=request.user, filing_token=key or "", **serializer.validated_data)
                return self._filed_now(request, filed)
        except filing.AlreadyFiled as exc:  # the same key sent twice at once: the first one filed
            complaint = exc.complaint
        except filing.PossibleDuplicate as exc:
            body = {
                "detail": str(exc.message),
                "code": exc.code,
                "case_number": exc.complaint.case_number,
                "complaint": exc.complaint.pk,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return self._filed(request, complaint)

    def _filed_now(self, request, filed: filing.Filing) -> Response:
        """The consumer's new case from what its filing wrote: nothing is read back."""
        complaint = filed.complaint
        held(complaint, "evidence", filed.evidence)
        timeline = access.visible_events(request.user, filed.events)
        return detail_response(request, complaint, status.HTTP_201_CREATED, timeline=timeline)

    def _filed(self, request, complaint) -> Response:
        try:
            complaint = access.get_complaint_for(request.user, complaint.pk)
        except Http404:
            # Staff filed against a merchant of another council's jurisdiction: that council handles it.
            body = {"id": complaint.pk, "case_number": complaint.case_number}
            return Response(body, status=status.HTTP_201_CREATED)
        return detail_response(request, complaint, status.HTTP_201_CREATED)


class ContactPreviewSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField()


class ContactPreviewView(APIView):
    """Before filing: exactly what the merchant's staff will see of the consumer (SPEC, issue 5 item 10)."""

    permission_classes = [IsConsumer]

    @extend_schema(
        operation_id="complaints_preview_contact",
        parameters=[
            OpenApiParameter(
                "share_contact", bool, description="Whether the consumer will agree to share their contact details."
            )
        ],
        responses={200: ContactPreviewSerializer, 403: OpenApiResponse(description="Consumers only")},
    )
    def get(self, request):
        user = request.user
        share = request.query_params.get("share_contact", "").lower() in ("1", "true", "yes", "on")
        # What an agent sees (always masked); an owner sees the full contact only with consent.
        if share:
            answer = {"name": user.display_name, "phone": user.phone or "", "masked": False}
        else:
            answer = {
                "name": access.mask_name(user.display_name),
                "phone": access.mask_phone(user.phone or ""),
                "masked": True,
            }
        return Response(ContactPreviewSerializer(answer).data)


class ComplaintDetailView(APIView):
    @extend_schema(operation_id="complaints_retrieve", responses={200: ComplaintDetailSerializer})
    def get(self, request, pk: int):
        return detail_response(request, access.get_complaint_for(request.user, pk))


class ComplaintSessionsView(generics.ListAPIView):
    """GET /api/v1/complaints/{id}/sessions/: the case's mediation sessions, newest first, with
    their minutes and each party's answer (the same entries as the detail's `sessions`)."""

    serializer_class = MediationSessionSerializer
    queryset = MediationSession.objects.none()  # for the schema: the rows come from session_entries

    @extend_schema(operation_id="complaints_sessions_list")
    def get(self, request, pk: int):
        complaint = access.get_complaint_for(request.user, pk)
        page = self.paginate_queryset(session_entries(request.user, complaint))
        return self.get_paginated_response(MediationSessionSerializer(page, many=True).data)


class ComplaintActionView(APIView):
    """One workflow action; a subclass per action (see ACTION_VIEWS) so the schema shows each body."""

    action_name = ""

    def post(self, request, pk: int):
        # Who before what: 404, then 403 and 409, and only then the body (400).
        complaint = access.get_complaint_for(request.user, pk)
        workflow.check_may(request.user, complaint, self.action_name)
        serializer = ACTIONS[self.action_name].serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workflow.perform(
            actor=request.user, complaint_id=complaint.pk, action=self.action_name, **serializer.validated_data
        )
        return detail_response(request, access.get_complaint_for(request.user, pk))


_ACTION_RESPONSES = {
    200: ComplaintDetailSerializer,
    400: OpenApiResponse(description="Bad input"),
    403: OpenApiResponse(description="The caller's role may never do this"),
    404: OpenApiResponse(description="No such case, or not visible to the caller"),
    409: OpenApiResponse(description="Not allowed in the current state; the body has status and allowed_actions"),
}


def _action_view(name: str) -> type[ComplaintActionView]:
    view = type(f"Complaint{name.title().replace('_', '')}View", (ComplaintActionView,), {"action_name": name})
    schema = extend_schema(
        operation_id=f"complaints_{name}",
        summary=str(ACTIONS[name].label),
        request=ACTIONS[name].serializer,
        responses=_ACTION_RESPONSES,
    )
    return extend_schema_view(post=schema)(view)


ACTION_VIEWS: dict[str, type[ComplaintActionView]] = {name: _action_view(name) for name in ACTIONS}


class EvidenceUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="complaints_evidence_create",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceSerializer,
            403: OpenApiResponse(
                description=(
                    "Only the consumer who filed the complaint, or the staff who filed it for them until they "
                    "take it over (council staff on a closed case)"
                )
            ),
            409: OpenApiResponse(description="The case is closed; the body has status and allowed_actions"),
            413: OpenApiResponse(description="File too large, or an image over the pixel limit"),
            415: OpenApiResponse(description="Not a JPEG, PNG, WebP image or PDF, or one that cannot be read"),
            429: OpenApiResponse(description="Too many files this hour, refused ones included; see Retry-After"),
        },
    )
    def post(self, request, pk: int):
        complaint = access.get_complaint_for(request.user, pk)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.EVIDENCE_MAX_BYTES + UPLOAD_OVERHEAD:
            # Refused before the body is read, so a huge upload is never spooled to disk.
            raise services.FileTooLarge(_("Each file may be at most 10 MB."))
        serializer = EvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = services.add_evidence(
            actor=request.user, complaint=complaint, upload=data["file"], kind=data["kind"]
        )
        return Response(EvidenceSerializer(evidence, context={"request": request}).data, status=status.HTTP_201_CREATED)


class EvidenceFileView(APIView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="complaints_evidence_retrieve",
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, pk: int, eid: int):
        complaint = access.get_complaint_for(request.user, pk)
        evidence = complaint.evidence.filter(pk=eid).first()
        if evidence is None:
            raise Http404(_("No such file."))
        return file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


# --- the delivery address ----------------------------------------------------------------------


class AddressInputSerializer(serializers.Serializer):
    recipient = TextSerializerField(max_length=100)
    district = TextSerializerField(max_length=100, help_text=_("Province, city and district."))
    street = TextSerializerField(max_length=200)
    postcode = TextSerializerField(max_length=10, required=False, allow_blank=True, default="")
    grant = serializers.ChoiceField(
        choices=AddressGrant.choices, help_text=_("Who at the merchant may see the full address.")
    )


class AddressSerializer(serializers.Serializer):
    recipient = serializers.CharField(help_text=_("Masked for merchant staff until they reveal it."))
    district = serializers.CharField()
    street = serializers.CharField(help_text=_("Empty for merchant staff until they reveal it."))
    postcode = serializers.CharField()
    grant = serializers.CharField(help_text=_("owner, team, or empty once the consumer withdrew it."))
    grant_display = serializers.CharField()
    masked = serializers.BooleanField()
    may_reveal = serializers.BooleanField(required=False)
    refusal = serializers.CharField(required=False, help_text=_("Why the caller may not reveal it."))
    updated_at = serializers.DateTimeField()


_ADDRESS_ERRORS = {
    403: OpenApiResponse(description="Not the consumer of the case (or staff acting for them), or the case is closed"),
    404: OpenApiResponse(description="No such case, or no address on it"),
}


class AddressView(APIView):
    """The case's delivery address as the caller may see it; the consumer shares or changes it."""

    @extend_schema(operation_id="complaints_address_retrieve", responses={200: AddressSerializer, **_ADDRESS_ERRORS})
    def get(self, request, pk: int):
        complaint = access.get_complaint_for(request.user, pk)
        address = addresses.address_for(request.user, complaint)
        if address is None:
            raise Http404(_("There is no delivery address on this case."))
        return Response(AddressSerializer(address).data)

    @extend_schema(
        operation_id="complaints_address_update",
        request=AddressInputSerializer,
        responses={200: AddressSerializer, 400: OpenApiResponse(description="Invalid address"), **_ADDRESS_ERRORS},
    )
    def put(self, request, pk: int):
        serializer = AddressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        addresses.share_address(actor=request.user, complaint_id=pk, **serializer.validated_data)
        complaint = access.get_complaint_for(request.user, pk)
        return Response(AddressSerializer(addresses.address_for(request.user, complaint)).data)


class AddressWithdrawView(APIView):
    @extend_schema(
        operation_id="complaints_address_withdraw", request=None, responses={200: AddressSerializer, **_ADDRESS_ERRORS}
    )
    def post(self, request, pk: int):
        """The merchant no longer sees the full address (the district only)."""
        addresses.withdraw_grant(actor=request.user, complaint_id=pk)
        complaint = access.get_complaint_for(request.user, pk)
        return Response(AddressSerializer(addresses.address_for(request.user, complaint)).data)


class AddressRevealView(APIView):
    @extend_schema(
        operation_id="complaints_address_reveal",
        request=None,
        responses={
            200: AddressInputSerializer,
            403: OpenApiResponse(description="Not granted to the caller (the reason), or the case closed too long ago"),
            404: OpenApiResponse(description="No such case"),
        },
    )
    def post(self, request, pk: int):
        """The full address for merchant staff the consumer granted it to; each reveal is logged."""
        address = addresses.reveal_address(actor=request.user, complaint_id=pk, ip=client_ip(request))
        fields = ("recipient", "district", "street", "postcode", "grant")
        response = Response({name: getattr(address, name) for name in fields})
        response["Cache-Control"] = "private, no-store"
        return response
