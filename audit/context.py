"""The current request's IP address and user agent, for audit entries written by services.

Services take no request (pages, API, commands and tasks all call them), yet an audit entry
needs the IP of the person behind it. Passing `ip=` through every service signature would
touch the whole state machine, so a middleware keeps the request's client details in a
context variable for the length of the request; outside a request (commands, Celery tasks)
they are empty. The IP is REMOTE_ADDR: a reverse proxy in front must set it (X-Forwarded-For
is not trusted here, since any client can send it).
"""

from contextvars import ContextVar
from dataclasses import dataclass

USER_AGENT_LENGTH = 255


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[Client | None] = ContextVar("audit_client", default=None)


def client_of(request) -> Client:
    ip = (request.META.get("REMOTE_ADDR") or "").strip() or None
    agent = (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_LENGTH]
    return Client(ip=ip, user_agent=agent)


def current_client() -> Client:
    return _current.get() or Client()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(client_of(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
