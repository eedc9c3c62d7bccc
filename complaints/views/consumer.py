"""The consumer's pages: file a complaint, my complaints."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.gates import consumer_required
from mediation.errors import DomainError, Throttled

from .. import access, filing
from ..forms import ComplaintForm
from ..guidance import guidance_list
from ..models import Status
from .case import add_evidence_files

PAGE_SIZE = 20


@consumer_required
def mine(request):
    cases = (
        access.complaints_visible_to(request.user)
        .select_related("merchant")
        .annotate(
            closed_last=Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("closed_last", "-filed_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/mine.html", {"cases": page, "page": page})


def contact_preview(user, share: bool) -> dict:
    """What the merchant will see of the consumer (SPEC: the preview before filing)."""
    return {
        "masked_name": access.mask_name(user.display_name),
        "masked_phone": access.mask_phone(user.phone or ""),
        "full_name": user.display_name,
        "full_phone": user.phone or "",
        "share": share,
    }


@consumer_required
@require_http_methods(["GET", "POST"])
def new(request):
    initial = {}
    if request.GET.get("merchant", "").isdigit():
        initial["merchant"] = request.GET["merchant"]
    form = ComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            complaint = filing.file_complaint(consumer=request.user, **form.filing_data())
        except DomainError as exc:
            if isinstance(exc, Throttled):
                status, retry_after = 429, exc.retry_after
            form.add_domain_error(exc)
        else:
            data = form.cleaned_data
            added = add_evidence_files(request, complaint, data["evidence"], data["evidence_kind"])
            text = _("Your complaint has been filed as case %(case)s.") % {"case": complaint.case_number}
            if added:
                text += " " + ngettext("%(n)d file added as evidence.", "%(n)d files added as evidence.", added) % {
                    "n": added
                }
            messages.success(request, text)
            return redirect("complaints:detail", pk=complaint.pk)
    share = bool(form.is_bound and form.data.get("share_contact"))
    context = {
        "form": form,
        "guidance": guidance_list(),
        "preview": contact_preview(request.user, share),
    }
    if form.errors and status == 200:
        status = 400
    response = render(request, "complaints/new.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response
