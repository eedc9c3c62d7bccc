"""The case page's calls through a privacy number: merchant staff ask for a number to call the
consumer, the consumer one to call the merchant, and the consumer turns calls off and on.
Each answers with the case page (a message says what happened), or the 403 page saying why."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.gates import forbidden
from mediation.errors import NotAllowed, WrongState
from mediation.web import client_ip

from .. import access, calls
from ..models import CallDirection


def _back(complaint):
    return redirect(reverse("complaints:detail", args=[complaint.pk]) + "#calls")


@login_required
@require_POST
def call(request, pk: int):
    user = request.user
    complaint = access.get_complaint_for(user, pk)
    direction = CallDirection.TO_CONSUMER if user.is_merchant_user else CallDirection.TO_MERCHANT
    try:
        binding = calls.bind_for_case(actor=user, complaint_id=complaint.pk, direction=direction, ip=client_ip(request))
    except NotAllowed as exc:
        return forbidden(request, str(exc.message))
    except (WrongState, calls.CallGatewayUnavailable) as exc:
        messages.error(request, exc.message)
        return _back(complaint)
    until = date_format(timezone.localtime(binding.expires_at), "H:i")
    if direction == CallDirection.TO_CONSUMER:
        text = _("Call %(number)s from your phone to reach the consumer. The number works until %(time)s.")
    else:
        text = _("Call %(number)s from your phone to reach the merchant. The number works until %(time)s.")
    messages.success(request, text % {"number": binding.middle_number, "time": until})
    return _back(complaint)


@login_required
@require_POST
def calls_switch(request, pk: int, switch: str):
    if switch not in ("on", "off"):
        raise Http404(_("No such page."))
    complaint = access.get_complaint_for(request.user, pk)
    try:
        calls.set_calls_enabled(
            actor=request.user, complaint_id=complaint.pk, enabled=switch == "on", ip=client_ip(request)
        )
    except NotAllowed as exc:
        return forbidden(request, str(exc.message))
    except WrongState as exc:
        messages.error(request, exc.message)
        return _back(complaint)
    if switch == "on":
        messages.success(request, _("Calls through the privacy number are on again for this case."))
    else:
        messages.success(request, _("Calls are off: the merchant cannot call you through the platform on this case."))
    return _back(complaint)
