"""Auth API (API.md "Auth"): SMS codes, consumer sign-up, tokens, the caller's profile."""

import ipaddress

from django.contrib.auth import authenticate
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from mediation.errors import InvalidInput

from . import services
from .serializers import (
    DetailSerializer,
    MeSerializer,
    RegisterSerializer,
    SmsCodeRequestSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class BadCredentials(InvalidInput):
    code = "invalid_credentials"


def client_ip(request) -> str | None:
    """The address the request came from, as the web server saw it (never a client-set header)."""
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class _ClientIpMixin:
    def get_ident(self, request):
        # DRF trusts X-Forwarded-For unless NUM_PROXIES is set; a client could then pick its own ident.
        if api_settings.NUM_PROXIES is not None:
            return super().get_ident(request)
        return client_ip(request) or "unknown"


class SmsCodeThrottle(_ClientIpMixin, AnonRateThrottle):
    """Per-IP limit on code requests, on top of the per-phone limits of accounts.services."""

    scope = "sms_code"


class LoginThrottle(_ClientIpMixin, AnonRateThrottle):
    scope = "anon"


def _token_answer(user, status_code: int) -> Response:
    token, _created = Token.objects.get_or_create(user=user)
    return Response(TokenSerializer({"token": token.key, "user": user}).data, status=status_code)


class SmsCodeView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SmsCodeThrottle]

    @extend_schema(
        operation_id="auth_sms_code",
        request=SmsCodeRequestSerializer,
        responses={
            202: DetailSerializer,
            400: OpenApiResponse(description="Not a mobile number"),
            429: OpenApiResponse(description="Throttled; see Retry-After"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = SmsCodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_code(phone=serializer.validated_data["phone"], ip=client_ip(request))
        # The same answer whether or not the number has an account.
        return Response({"detail": _("A code is on its way by SMS.")}, status=status.HTTP_202_ACCEPTED)


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(operation_id="auth_register", request=RegisterSerializer, responses={201: TokenSerializer}, auth=[])
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_consumer(**serializer.validated_data, language=translation.get_language() or "")
        return _token_answer(user, status.HTTP_201_CREATED)


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        operation_id="auth_token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: OpenApiResponse(description="Bad credentials")},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("phone") and data.get("code") and not data.get("password"):
            user = services.login_with_code(phone=data["phone"], code=data["code"])
        else:
            user = self._password_login(request, data)
        return _token_answer(user, status.HTTP_200_OK)

    def _password_login(self, request, data):
        if data.get("phone"):
            try:
                credentials = {"phone": services.normalise_phone(data["phone"])}
            except InvalidInput:
                credentials = None
        else:
            credentials = {"username": data["username"]}
        user = authenticate(request, password=data["password"], **credentials) if credentials else None
        if user is None:
            raise BadCredentials(_("The login or password is wrong."))
        return user


class MeView(APIView):
    @extend_schema(operation_id="auth_me", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)
