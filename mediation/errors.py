"""The platform's domain errors. Pages show them as form errors; the API maps them to
status codes in one exception handler (mediation.api)."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message=None, *, fields: dict | None = None):
        self.message = message or _("The request is not valid.")
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    """Input the service cannot accept (400)."""


class NotAllowed(DomainError):
    """The actor's role may never do this (403)."""

    status_code = 403
    code = "not_allowed"


class WrongState(DomainError):
    """The action exists for this actor but not in the case's current state (409)."""

    status_code = 409
    code = "wrong_state"

    def __init__(self, message=None, *, status: str = "", allowed_actions: list[str] | None = None):
        super().__init__(message or _("This action is not allowed in the case's current state."))
        self.status = status
        self.allowed_actions = allowed_actions or []


class Throttled(DomainError):
    status_code = 429
    code = "throttled"

    def __init__(self, message=None, *, retry_after: int = 60):
        super().__init__(message or _("Too many requests. Try again later."))
        self.retry_after = retry_after
