"""The claim link a consumer gets by SMS when staff filed a complaint for them: log in with an
SMS code, choose a password if the account has none, and take the case over."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import FirstPasswordForm
from accounts.gates import CONSUMERS, forbidden
from accounts.services import set_first_password
from mediation.errors import InvalidInput

from .. import access, rules, workflow
from ..presenters import filed_for_label


@require_http_methods(["GET", "POST"])
def claim(request, pk: int):
    if not request.user.is_authenticated:
        # The account may have no password yet: a code sent by SMS to the number logs it in.
        return redirect(f"{reverse('accounts:request_code')}?{urlencode({'next': request.path})}")
    if not CONSUMERS(request.user):
        return forbidden(request, CONSUMERS.refusal)
    complaint = access.get_complaint_for(request.user, pk)
    case_url = reverse("complaints:detail", args=[complaint.pk])
    if not rules.unclaimed(complaint):
        messages.info(request, _("Case %(case)s is yours: follow it here.") % {"case": complaint.case_number})
        return redirect(case_url)
    needs_password = not request.user.has_usable_password()
    form = FirstPasswordForm(request.POST or None) if needs_password else None
    status = 200
    if request.method == "POST":
        if form is None or form.is_valid():
            try:
                with transaction.atomic():
                    if form is not None:
                        user = set_first_password(user=request.user, password=form.cleaned_data["password"])
                    workflow.perform(actor=request.user, complaint_id=complaint.pk, action="take_over")
            except InvalidInput as exc:
                form.add_domain_error(exc)
            else:
                if form is not None:
                    update_session_auth_hash(request, user)
                messages.success(request, _("The case is yours now: you answer the merchant and the council here."))
                return redirect(case_url)
        status = 400
    filed_by = complaint.filed_by
    context = {
        "complaint": complaint,
        "form": form,
        "filed_for": filed_for_label(filed_by.display_name, complaint.intake_channel),
    }
    return render(request, "complaints/claim.html", context, status=status)
