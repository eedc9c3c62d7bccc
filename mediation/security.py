"""Login throttling with django-axes: the backend that counts attempts, the key it counts
them by, and the answer a locked-out client gets (429 JSON on the API, a page on the web)."""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


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
    """The login a client tried: a username, or a mobile number (API token and web login)."""
    credentials = credentials or {}
    return credentials.get("username") or credentials.get("phone") or None


def retry_after_seconds(request=None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 900


def lockout_response(request, original_response=None, credentials=None):
    retry_after = retry_after_seconds(request)
    message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": max(1, retry_after // 60)}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than any form or upload we accept
    (413), before anything reads it; and maps Django's RequestDataTooBig to 413 as well."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None


def too_large_response(request):
    message = _("The request is too large.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "too_large"}, status=413)
    else:
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    response["Connection"] = "close"
    return response
