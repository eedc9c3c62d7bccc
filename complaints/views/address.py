"""The delivery address on a case page: the consumer shares, changes or withdraws it; merchant
staff reveal it where the consumer granted it (complaints.addresses)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.gates import forbidden
from mediation.errors import InvalidInput, NotAllowed
from mediation.web import client_ip

from .. import access, addresses
from ..forms import AddressForm
from .case import case_context


def _case_url(complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk]) + "#address"


@login_required
@require_POST
def share(request, pk: int):
    complaint = access.get_complaint_for(request.user, pk)
    if not (access.is_consumer_in_person(request.user, complaint) or access.acts_for_consumer(request.user, complaint)):
        # Who before what: the role is refused before the form is read.
        messages.error(request, _("Only the consumer shares a delivery address on their case."))
        return redirect(_case_url(complaint))
    form = AddressForm(request.POST, prefix="address")
    if form.is_valid():
        try:
            addresses.share_address(actor=request.user, complaint_id=complaint.pk, **form.cleaned_data)
        except NotAllowed as exc:
            messages.error(request, exc.message)
            return redirect(_case_url(complaint))
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The delivery address is saved on the case."))
            return redirect(_case_url(complaint))
    context = case_context(request, complaint, address_form=form)
    return render(request, "complaints/case.html", context, status=400)


@login_required
@require_POST
def withdraw(request, pk: int):
    complaint = access.get_complaint_for(request.user, pk)
    try:
        addresses.withdraw_grant(actor=request.user, complaint_id=complaint.pk)
    except (NotAllowed, InvalidInput) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The merchant now sees only the district of your address."))
    return redirect(_case_url(complaint))


@login_required
@require_POST
def reveal(request, pk: int):
    """Show the consumer's full address once, where they granted it; every reveal is logged."""
    complaint = access.get_complaint_for(request.user, pk)
    try:
        address = addresses.reveal_address(actor=request.user, complaint_id=complaint.pk, ip=client_ip(request))
    except NotAllowed as exc:
        return forbidden(request, str(exc.message))
    response = render(request, "complaints/revealed_address.html", {"complaint": complaint, "address": address})
    response["Cache-Control"] = "private, no-store"
    return response
