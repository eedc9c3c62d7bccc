"""Auth API (API.md "Auth"): SMS codes, consumer sign-up, tokens, the caller's profile,
password change and reset, signing out everywhere."""

from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from mediation.errors import InvalidInput, Throttled
from mediation.web import client_ip

from . import services
from .security import check_password_attempt, retry_after_seconds
from .serializers import (
    DetailSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetSerializer,
    RegisterSerializer,
    SmsCodeRequestSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class BadCredentials(InvalidInput):
    code = "invalid_credentials"


class _ClientIpMixin:
    def get_ident(self, request):
        # DRF's own ident trusts X-Forwarded-For unless NUM_PROXIES is set; ours is the address
        # django-axes counts logins by too (TRUSTED_PROXY_COUNT).
        return client_ip(request) or "unknown"


class SmsCodeThrottle(_ClientIpMixin, AnonRateThrottle):
    """Per-IP limit on code requests, on top of the per-phone limits of accounts.services."""

    scope = "sms_code"


class LoginThrottle(_ClientIpMixin, AnonRateThrottle):
    """Per-IP limit on password logins: the API's and the login page's (accounts.views), one budget."""

    scope = "login"


class AnonymousThrottle(_ClientIpMixin, AnonRateThrottle):
    """Per-IP limit on the public endpoints for callers who are not logged in."""

    scope = "anon"


def _token_answer(user, status_code: int) -> Response:
    token = services.issue_token(user=user)
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
        data = serializer.validated_data
        services.request_code(phone=data["phone"], ip=client_ip(request), signing_up=data["purpose"] == "signup")
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
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Bad credentials"),
            429: OpenApiResponse(description="Too many failed logins; see Retry-After"),
        },
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
        # As a page login does, so staff logins through the API are audited (audit.apps).
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return _token_answer(user, status.HTTP_200_OK)

    def _password_login(self, request, data):
        if data.get("phone"):
            try:
                credentials = {"phone": services.normalise_phone(data["phone"])}
            except InvalidInput:
                credentials = None
        else:
            credentials = {"username": data["username"]}
        # The Django request, so django-axes counts the attempt and its middleware answers a
        # locked-out login with 429 (accounts.security.lockout_response).
        user = authenticate(request._request, password=data["password"], **credentials) if credentials else None
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise Throttled(retry_after=retry_after_seconds(request._request))
            raise BadCredentials(_("The login or password is wrong."))
        return user


class LogoutView(APIView):
    @extend_schema(operation_id="auth_logout", request=None, responses={204: None})
    def post(self, request):
        """Log out as the page's "Log out" does: the caller's API token stops working (a session
        login ends too). The password and other devices' sessions stay: see sign-out-everywhere."""
        services.revoke_tokens(user=request.user)
        if request._request.session.session_key:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(operation_id="auth_me", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class PasswordChangeView(APIView):
    """POST /api/v1/me/password/ {"old_password", "new_password"}: every other login of the
    user ends (tokens deleted, sessions signed out); the answer carries this device's new token."""

    @extend_schema(
        operation_id="me_password",
        request=PasswordChangeSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong old password, or a new password the rules refuse"),
            401: OpenApiResponse(description="Not logged in"),
            429: OpenApiResponse(description="Too many wrong passwords; see Retry-After"),
        },
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_password_attempt(request._request, user=request.user, password=data["old_password"], field="old_password")
        user = services.change_password(
            user=request.user, old_password=data["old_password"], new_password=data["new_password"]
        )
        if request.auth is None:  # logged in with the session: it stays logged in
            update_session_auth_hash(request._request, user)
        return _token_answer(user, status.HTTP_200_OK)


class SignOutEverywhereView(APIView):
    """POST /api/v1/me/sign-out-everywhere/: every token and every session of the caller ends,
    this one included."""

    @extend_schema(
        operation_id="me_sign_out_everywhere",
        request=None,
        responses={204: None, 401: OpenApiResponse(description="Not logged in")},
    )
    def post(self, request):
        services.sign_out_everywhere(user=request.user)
        if request.auth is None:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    """POST /api/v1/auth/password-reset/ {"phone", "code", "password"}: a forgotten password
    replaced with a code from POST /api/v1/auth/sms-code/; every earlier login of the account ends."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        operation_id="auth_password_reset",
        request=PasswordResetSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong or expired code, or a password the rules refuse"),
            429: OpenApiResponse(description="Throttled; see Retry-After"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.reset_password(**serializer.validated_data)
        return _token_answer(user, status.HTTP_200_OK)
