"""The answer when the database cannot be reached (restarted, failing over, out of
connections): 503 with a clear message and Retry-After, JSON on the API and a page elsewhere,
never a 500 page or a traceback. The next request reconnects by itself (settings:
conn_health_checks), so no process needs a restart.

Where the error is caught. Every exception of a request ends in one of two places: DRF views
hand theirs to mediation.api.exception_handler, and everything else (other views, and
middleware such as sessions, auth and axes, which reach the database lazily) ends in
handler500 (routes.views.server_error). Django calls handler500 inside the `except` block
of response_for_exception, so sys.exc_info() there names the error. A middleware wrapping
get_response would not do: Django turns an exception into a 500 response at the layer that
raised it, so the outer middleware only ever sees that response.

Whether anything was saved. A request can fail after one of its transactions committed: a
filing commits, then reading the case back for the answer fails. "Nothing was saved" would
then make the consumer file twice, so DatabaseWritesMiddleware notes when a write of the
request commits, and the answer says which of the two cases it is.
"""

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .storage import StorageUnavailable

# The database is back within seconds of a restart or failover.
RETRY_AFTER_SECONDS = 10
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE")


def database_unreachable(exc: BaseException | None) -> bool:
    """Django wraps the driver's errors (psycopg2's OperationalError, InterfaceError) in its own.
    The evidence bucket, when there is one, is as much a part of the service (mediation/bucket.py)."""
    return isinstance(exc, OperationalError | InterfaceError | StorageUnavailable)


def _saved(request) -> bool:
    return getattr(request, "database_write_committed", False)


def _message(saved: bool) -> str:
    if saved:
        return _(
            "The service became briefly unavailable after your request was saved, so its result could not "
            "be shown. Please check before trying again."
        )
    return _("The service is briefly unavailable. Nothing was saved; please try again in a moment.")


def unavailable_json(request) -> JsonResponse:
    saved = _saved(request)
    code = "unavailable_after_save" if saved else "service_unavailable"
    response = JsonResponse({"detail": _message(saved), "code": code}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_page(request) -> HttpResponse:
    # Rendered without the request's context processors: auth, messages and the notice bell
    # read the session, the user or notices, all from the database that is down.
    retry_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
    html = render_to_string("503.html", {"message": _message(_saved(request)), "retry_url": retry_url})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_response(request) -> HttpResponse:
    return unavailable_json(request) if request.path.startswith("/api/") else unavailable_page(request)


class DatabaseWritesMiddleware:
    """First in MIDDLEWARE: sets `request.database_write_committed` once a write of this
    request is committed (at once in autocommit, on commit inside a transaction; a rolled-back
    transaction or savepoint drops its mark with its on_commit callbacks)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.database_write_committed = False

        def committed():
            request.database_write_committed = True

        def note_writes(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if isinstance(sql, str) and sql.lstrip()[:6].upper() in WRITE_STATEMENTS:
                db = context["connection"]
                if db.in_atomic_block:
                    db.on_commit(committed, robust=True)
                else:
                    committed()
            return result

        # The project has one database (settings.DATABASES["default"]).
        with connection.execute_wrapper(note_writes):
            return self.get_response(request)
