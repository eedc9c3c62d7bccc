"""The current request's IP address and user agent, for audit entries written by services.

Services take no request (pages, API, commands and tasks all call them), yet an audit entry
needs the IP of the person behind it. Passing `ip=` through every service signature would
touch the whole state machine, so a middleware keeps the request's client details in a
context variable for the length of the request; outside a request (commands, Celery tasks)
they are empty. The IP is mediation.web.client_ip's: the address django-axes and the rate
limits see too.
"""

from contextvars import ContextVar
from dataclasses import dataclass

from mediation.web import client_ip

USER_AGENT_LENGTH = 255


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[Client | None] = ContextVar("audit_client", default=None)


def client_of(request) -> Client:
    agent = (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_LENGTH]
    return Client(ip=client_ip(request), user_agent=agent)


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
