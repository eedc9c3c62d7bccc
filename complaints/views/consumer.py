"""The consumer's pages: file a complaint, my complaints."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import consumer_required
from mediation.errors import DomainError, Throttled
from merchants import selectors as merchant_selectors

from .. import access, filing
from ..forms import ComplaintForm
from ..guidance import guidance_list
from ..models import OPEN_STATUSES, Party, Status

PAGE_SIZE = 20


@consumer_required
@require_GET
def mine(request):
    # The cases waiting on the consumer first (soonest deadline first), then the other open ones,
    # then the closed ones.
    rank = Case(
        When(status__in=OPEN_STATUSES, waiting_on=Party.CONSUMER, then=Value(0)),
        When(status=Status.CLOSED, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    cases = (
        access.complaints_visible_to(request.user)
        .select_related("merchant")
        .annotate(rank=rank)
        .order_by("rank", Case(When(rank=0, then=F("due_at"))).asc(nulls_last=True), "-filed_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    # A consumer who applied to enrol their merchant follows the application from here too.
    applications = merchant_selectors.applications_of(request.user)
    return render(request, "complaints/mine.html", {"cases": page, "page": page, "applications": applications})


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
    status, duplicate = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            complaint = filing.file_complaint(consumer=request.user, **form.filing_data())
        except filing.AlreadyFiled as exc:
            # Back, then submit again: the case this form filed, not a second one.
            messages.info(request, exc.message)
            return redirect("complaints:detail", pk=exc.complaint.pk)
        except filing.PossibleDuplicate as exc:
            status, duplicate = 409, exc.complaint
        except DomainError as exc:
            if isinstance(exc, Throttled):
                status, retry_after = 429, exc.retry_after
            form.add_domain_error(exc)
        else:
            return _filed(request, complaint)
    share = bool(form.is_bound and form.data.get("share_contact"))
    context = {
        "form": form,
        "guidance": guidance_list(),
        "preview": contact_preview(request.user, share),
        "duplicate": duplicate,
        # A browser never sends chosen files again with a form shown back: say so at the field.
        "files_not_kept": request.method == "POST" and bool(request.FILES),
        "evidence_limits": evidence_limits(),
    }
    if form.errors and status == 200:
        status = 400
    response = render(request, "complaints/new.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


def _filed(request, complaint):
    text = _("Your complaint has been filed as case %(case)s.") % {"case": complaint.case_number}
    added = complaint.evidence.count()
    if added:
        text += " " + ngettext("%(n)d file added as evidence.", "%(n)d files added as evidence.", added) % {"n": added}
    messages.success(request, text)
    return redirect("complaints:detail", pk=complaint.pk)


def evidence_limits() -> dict:
    """What the form's script checks before sending (the server checks the same again)."""
    return {
        "max_bytes": settings.EVIDENCE_MAX_BYTES,
        "max_files": settings.EVIDENCE_MAX_FILES,
        "messages": {
            "too_large": _("%(file)s is larger than 10 MB. Make it smaller or choose another file."),
            "wrong_type": _("%(file)s is not a JPEG, PNG or WebP image or a PDF."),
            "too_many": _("Choose at most 20 files."),
        },
    }
