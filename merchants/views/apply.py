"""The online enrolment application, for anyone logged in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.gates import forbidden
from mediation.errors import DomainError

from .. import enrolment, selectors
from ..forms import ApplicationForm
from ..models import MerchantStatus

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    user = request.user
    if not user.is_consumer:
        # Staff (supervisors, mediators, intake clerks) and merchant users do not apply.
        return forbidden(request, _("Applications are made by the merchant's manager with their own account."))
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant = enrolment.apply_for_enrolment(applicant=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("Your application for %(name)s is with the %(council)s. You will be told of the decision.")
                % {"name": merchant.name, "council": merchant.region.name},
            )
            return redirect("merchants:apply")
    applications = selectors.applications_of(user)
    # While an application waits for the council, the page is its status; the form for
    # another merchant stays one click away.
    pending = any(a["merchant"].status == MerchantStatus.APPLIED for a in applications)
    return render(
        request,
        "merchants/apply.html",
        {"form": form, "applications": applications, "show_form": form.is_bound or not pending},
        status=400 if form.is_bound and form.errors else 200,
    )
