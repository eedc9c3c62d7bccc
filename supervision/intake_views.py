"""Staff intake pages: a supervisor or an intake clerk files a complaint for a consumer who called
or came in, and follows the cases they filed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.gates import intake_required
from complaints import access
from complaints.filing import AlreadyFiled, PossibleDuplicate
from complaints.intake import CONSENT_STATEMENT, file_for_consumer
from complaints.views.consumer import evidence_limits
from mediation.errors import DomainError, Throttled

from . import selectors
from .forms import IntakeForm

PAGE_SIZE = 20


@intake_required
def intake(request):
    posted = request.method == "POST"
    form = IntakeForm(request.POST if posted else None, request.FILES if posted else None)
    status, duplicate, retry_after = 200, None, None
    if posted and form.is_valid():
        try:
            complaint = file_for_consumer(staff=request.user, **form.intake_data())
        except AlreadyFiled as exc:
            complaint = exc.complaint
        except PossibleDuplicate as exc:
            status, duplicate = 409, exc.complaint
            form.add_domain_error(exc)
        except DomainError as exc:
            if isinstance(exc, Throttled):
                status, retry_after = 429, exc.retry_after
            form.add_domain_error(exc)
        else:
            return _filed(request, complaint)
    if form.errors and status == 200:
        status = 400
    context = {
        "form": form,
        "duplicate": duplicate,
        "consent_statement": CONSENT_STATEMENT,
        "files_not_kept": posted and bool(request.FILES),
        "evidence_limits": evidence_limits(),
    }
    response = render(request, "supervision/intake.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _filed(request, complaint):
    text = _("Case %(case)s was filed for the consumer, who was told by SMS.") % {"case": complaint.case_number}
    try:
        access.get_complaint_for(request.user, complaint.pk)
    except Http404:
        # A merchant of another council's jurisdiction: that council handles the case.
        messages.success(request, text + " " + _("It belongs to another council's jurisdiction."))
        return redirect("supervision:intake")
    messages.success(request, text)
    return redirect("complaints:detail", pk=complaint.pk)


@intake_required
@require_GET
def filed(request):
    page = Paginator(selectors.filed_by(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/filed.html", {"cases": page, "page": page})
