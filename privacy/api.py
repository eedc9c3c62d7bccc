"""The consumer's own data through the API: downloading it, deleting the account."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import IsConsumer
from accounts.security import check_password_attempt

from . import services


class DeleteAccountSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=200, trim_whitespace=False)


class MyDataView(APIView):
    """GET /api/v1/me/data/: everything held about the consumer (privacy/services.py)."""

    permission_classes = [IsConsumer]

    @extend_schema(operation_id="me_data", responses={200: OpenApiTypes.OBJECT, 403: OpenApiResponse()})
    def get(self, request):
        return Response(services.export_personal_data(user=request.user))


class MyDeleteView(APIView):
    """POST /api/v1/me/delete/ {"password"}: anonymise the consumer's account; 409 while a case is open."""

    permission_classes = [IsConsumer]

    @extend_schema(
        operation_id="me_delete",
        request=DeleteAccountSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description="Wrong password"),
            403: OpenApiResponse(description="Consumers only"),
            409: OpenApiResponse(description="A complaint is open"),
        },
    )
    def post(self, request):
        serializer = DeleteAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password = serializer.validated_data["password"]
        # A wrong password here is a guess like a login's, and counts towards the same lockout.
        check_password_attempt(request._request, user=request.user, password=password)
        services.delete_account(user=request.user, password=password)
        return Response(status=status.HTTP_204_NO_CONTENT)
