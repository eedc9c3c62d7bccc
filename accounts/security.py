"""Login throttling with django-axes: the backend that counts attempts, the key it counts
them by, and the answer a locked-out client gets (429 JSON on the API, a page on the web);
passwords typed outside the login, counted the same way; API tokens that expire."""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from mediation.errors import InvalidInput, Throttled
from mediation.prepared import PreparedRead

from .backends import find_login_user
from .services import token_is_expired


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Counts and refuses login attempts per username and IP.

    authenticate() without a request (management commands, the test client's login())
    is not a login from the internet; it passes through to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_name(request, credentials) -> str | None:
    """The account a client tried, as the key its failed logins are counted by.

    A username and a mobile number reach the same account, so both count as its username: an
    account has one lockout, not one per alias. A login with no account counts as typed.
    """
    credentials = credentials or {}
    login = (credentials.get("username") or credentials.get("phone") or "").strip()
    if not login:
        return None
    user = find_login_user(login)
    return user.get_username() if user is not None else login


def check_password_attempt(request, *, user, password: str, field: str = "password") -> None:
    """A password typed to confirm an action (deleting the account, changing the password) is a
    guess like a login's: a wrong one counts towards the account's lockout, and while the account
    is locked out even the right one is refused (Throttled, 429)."""
    checked = authenticate(request, username=user.get_username(), password=password or "")
    if getattr(request, "axes_locked_out", False):
        raise Throttled(_locked_out_message(retry_after_seconds(request)), retry_after=retry_after_seconds(request))
    if checked is None or checked.pk != user.pk:
        msg = _("The password is wrong.")
        raise InvalidInput(msg, fields={field: [msg]})


def retry_after_seconds(request=None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 900


def _locked_out_message(retry_after: int) -> str:
    return _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": max(1, retry_after // 60)}


def lockout_response(request, original_response=None, credentials=None):
    retry_after = retry_after_seconds(request)
    message = _locked_out_message(retry_after)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


_TOKEN = PreparedRead(lambda key: Token.objects.select_related("user").filter(key=key), key=str)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused (401) API_TOKEN_DAYS after the token was issued.

    An expired token is deleted, so the next password login issues a new one."""

    def authenticate_credentials(self, key):
        # TokenAuthentication's own read and checks, with the read compiled once: every API
        # request makes it.
        token = _TOKEN.first(key=key)
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        user = token.user
        if token_is_expired(token):
            token.delete()
            raise AuthenticationFailed(_("The token has expired. Log in again."), code="token_expired")
        return user, token
