"""Who may open a page or call an endpoint, by role: the one place for role gates.

Each audience is a test of the user and the words a person of another role is told. Pages use
the decorators: an anonymous visitor logs in first; a logged-in person of another role gets the
403 page (forbidden.html) saying whose page it is. The API uses the matching permission classes:
the same 403 with the same words, as {"detail": ...}. Finer rules (whose case, which state) are
complaints.access and complaints.workflow; these gates only say which roles a page is for.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from mediation.errors import NotAllowed

from .models import Role


@dataclass(frozen=True)
class Audience:
    name: str
    admits: Callable
    refusal: Promise  # what a person of another role is told

    def __call__(self, user) -> bool:
        return bool(user.is_authenticated and user.is_active and self.admits(user))


CONSUMERS = Audience(
    "consumers",
    lambda user: user.is_consumer,
    _("This page is for consumers: only consumers file complaints, with their own consumer account."),
)
MERCHANT_STAFF = Audience("merchant staff", lambda user: user.is_merchant_user, _("This page is for merchant staff."))
MERCHANT_OWNERS = Audience(
    "merchant owners",
    lambda user: user.role == Role.MERCHANT_OWNER and bool(user.merchant_id),
    _("Only the merchant's owner manages its team."),
)
COUNCIL_STAFF = Audience("council staff", lambda user: user.is_council_staff, _("This page is for council staff."))
SUPERVISORS = Audience(
    "supervisors", lambda user: user.role == Role.SUPERVISOR, _("This page is for council supervisors.")
)
INTAKE_STAFF = Audience(
    "intake staff",
    lambda user: user.files_for_consumers and bool(user.council_id),
    _("This page is for council staff who file complaints for consumers (supervisors and intake clerks)."),
)

# Who files complaints: consumers for themselves, intake staff for consumers.
FILERS = Audience(
    "filers",
    lambda user: user.is_consumer or (user.files_for_consumers and bool(user.council_id)),
    _("Only consumers file complaints, and council staff who file them for consumers."),
)


def forbidden(request, message, status: int = 403):
    """The page is not for this person: say why, in words."""
    return render(request, "forbidden.html", {"message": message}, status=status)


def page_for(audience: Audience):
    """Decorate a page view: anonymous visitors log in first, other roles get the 403 page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not audience(request.user):
                return forbidden(request, audience.refusal)
            return view(request, *args, **kwargs)

        wrapper.audience = audience
        return wrapper

    return decorator


consumer_required = page_for(CONSUMERS)
merchant_required = page_for(MERCHANT_STAFF)
owner_required = page_for(MERCHANT_OWNERS)
staff_required = page_for(COUNCIL_STAFF)
supervisor_required = page_for(SUPERVISORS)
intake_required = page_for(INTAKE_STAFF)


class _AudiencePermission(BasePermission):
    """An API view for one audience. Anonymous callers are refused by authentication first
    (401), a method the view does not answer is a 405 for everyone, and other roles get 403
    (code not_allowed) with the audience's words."""

    audience: Audience

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method not in view.allowed_methods:
            return True  # the view answers 405
        if not self.audience(request.user):
            raise NotAllowed(self.audience.refusal)
        return True


def api_for(audience: Audience) -> type[BasePermission]:
    return type(f"For{audience.name.title().replace(' ', '')}", (_AudiencePermission,), {"audience": audience})


IsConsumer = api_for(CONSUMERS)
IsMerchantStaff = api_for(MERCHANT_STAFF)
IsMerchantOwner = api_for(MERCHANT_OWNERS)
IsCouncilStaff = api_for(COUNCIL_STAFF)
IsSupervisor = api_for(SUPERVISORS)
IsIntakeStaff = api_for(INTAKE_STAFF)
IsFiler = api_for(FILERS)
