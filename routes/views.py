import sys

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.models import Role
from mediation.unavailable import database_unreachable, unavailable_response

HOME_BY_ROLE = {
    Role.CONSUMER: "complaints:mine",
    Role.MERCHANT_OWNER: "merchants:inbox",
    Role.MERCHANT_AGENT: "merchants:inbox",
    Role.SUPERVISOR: "supervision:queue",
    Role.MEDIATOR: "supervision:queue",
    Role.INTAKE_CLERK: "supervision:intake",
}


@require_safe
def home(request):
    if request.user.is_authenticated and request.user.role in HOME_BY_ROLE:
        return redirect(HOME_BY_ROLE[request.user.role])
    return render(request, "home.html")


@require_safe
def healthz(request):
    """Database and broker status, for load balancers and monitoring."""
    from mediation.celery import app

    status = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - report, never raise
        status["database"] = "down"
    if not app.conf.task_always_eager:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception:  # noqa: BLE001
            status["broker"] = "down"
    else:
        status["broker"] = "eager"
    healthy = status["database"] == "ok" and status["broker"] in ("ok", "eager")
    return JsonResponse(status, status=200 if healthy else 503)


# --- error pages (handler400, handler403, handler404, handler500 in routes/urls.py) ----------
# Pages get a page in the visitor's language with links home and to their cases; the API keeps
# JSON ({"detail", "code"}, as mediation.api.exception_handler answers).


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _cases_url(user) -> str:
    """Where the person follows their cases ("" for a visitor who is not logged in)."""
    if user is not None and user.is_authenticated and user.role in HOME_BY_ROLE:
        return reverse(HOME_BY_ROLE[user.role])
    return ""


def _known_user(request):
    """The user if the request already loaded it, else None: the 400 and 500 pages must not reach
    the session or the database, which may be what failed."""
    return getattr(request, "_cached_user", None)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json_error(400, "bad_request", _("The request could not be understood."))
    # Without the request's context: a malformed request (a forged Host header, a broken
    # upload) is not one to read the session or the CSRF token from.
    html = render_to_string("400.html", {"cases_url": _cases_url(_known_user(request))})
    return HttpResponse(html, status=400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json_error(403, "permission_denied", _("You do not have permission to perform this action."))
    return render(request, "403.html", {"cases_url": _cases_url(request.user)}, status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _json_error(404, "not_found", _("Not found."))
    return render(request, "404.html", {"cases_url": _cases_url(request.user)}, status=404)


def server_error(request):
    """handler500: a database that cannot be reached answers 503 (mediation/unavailable.py says
    why this is the one place that sees every error); anything else answers our 500 page, drawn
    without the request's context processors (they read the session and the database)."""
    if database_unreachable(sys.exc_info()[1]):
        return unavailable_response(request)
    if _is_api(request):
        return _json_error(500, "server_error", _("Something went wrong on our side. Please try again later."))
    html = render_to_string("500.html", {"cases_url": _cases_url(_known_user(request))})
    return HttpResponse(html, status=500)
