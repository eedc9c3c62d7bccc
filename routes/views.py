import sys

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults

from accounts.models import Role
from mediation.unavailable import database_unreachable, unavailable_response

HOME_BY_ROLE = {
    Role.CONSUMER: "complaints:mine",
    Role.MERCHANT_OWNER: "merchants:inbox",
    Role.MERCHANT_AGENT: "merchants:inbox",
    Role.SUPERVISOR: "supervision:queue",
    Role.MEDIATOR: "supervision:queue",
}


def home(request):
    if request.user.is_authenticated and request.user.role in HOME_BY_ROLE:
        return redirect(HOME_BY_ROLE[request.user.role])
    return render(request, "home.html")


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


def server_error(request):
    """handler500: a database that cannot be reached answers 503 (mediation/unavailable.py says
    why this is the one place that sees every error); anything else keeps Django's 500 page."""
    if database_unreachable(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request)
