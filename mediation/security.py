"""Requests too large for anything we accept answer 413 before anything reads their body."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than any form or upload we accept
    (413), before anything reads it; and maps Django's RequestDataTooBig to 413 as well.

    The pages that take evidence files (settings.UPLOAD_VIEWS) accept UPLOAD_REQUEST_MAX_BYTES,
    room for every file a complaint may have at the size limit: their form checks each file and
    comes back filled in with the error at the file field. Every other request is held to
    REQUEST_MAX_BYTES. It runs after the session, language and user are known, so the 413 page
    is drawn in the visitor's language with their navigation; no middleware before it reads
    the body (CSRF reads it in process_view, after every middleware's request phase)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES and not (
            length <= settings.UPLOAD_REQUEST_MAX_BYTES and takes_uploads(request)
        ):
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None


def takes_uploads(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in settings.UPLOAD_VIEWS


def too_large_response(request):
    # No Connection header: it is hop-by-hop, which WSGI servers refuse from an application;
    # the server itself closes a connection whose body was not read.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("The request is too large."), "code": "too_large"}, status=413)
    context = {
        "max_file_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
        "max_files": settings.EVIDENCE_MAX_FILES,
    }
    return render(request, "413.html", context, status=413)
