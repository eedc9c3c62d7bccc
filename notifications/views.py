"""Pages: a person's in-app notices (/notifications/), and the council's delivery overview
with the failed notices staff can send again (/council/notices/)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from complaints.access import masked_recipient

from . import selectors, services
from .forms import MarkReadForm
from .models import NoticeStatus
from .texts import event_name

PAGE_SIZE = 25


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.in_app_notices_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    form = MarkReadForm(request.POST)
    url = reverse("notifications:inbox")
    if not form.is_valid():
        messages.error(request, _("Nothing was marked read."))
        return redirect(url)
    ids = form.ids()
    marked = services.mark_read(user=request.user, ids=ids) if ids is None or ids else 0
    if ids is None:
        messages.success(
            request,
            ngettext("%(n)d notice marked read.", "%(n)d notices marked read.", marked) % {"n": marked},
        )
    page = form.cleaned_data.get("page")
    return redirect(f"{url}?page={page}" if page and page > 1 else url)


def staff_required(view):
    """Council pages: anonymous users log in first; other roles are told the page is not theirs."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_council_staff:
            message = _("This page is for council staff.")
            return render(request, "forbidden.html", {"message": message}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def staff_overview(request):
    user = request.user
    page = Paginator(selectors.failed_notices(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "id": notice.pk,
            "case_id": notice.complaint_id,
            "case_number": notice.complaint.case_number,
            "event": event_name(notice.event),
            "channel": notice.get_channel_display(),
            "recipient": masked_recipient(notice),
            "attempts": notice.attempts,
            "last_error": notice.last_error,
            "created_at": notice.created_at,
        }
        for notice in page
    ]
    return render(
        request,
        "notifications/staff_overview.html",
        {
            "council": user.council,
            "overview": selectors.delivery_overview(user),
            "page": page,
            "rows": rows,
        },
    )


@staff_required
@require_POST
def retry(request, pk: int):
    notice = services.retry_notice(actor=request.user, notice_id=pk)
    if notice.status == NoticeStatus.SENT:
        messages.info(request, _("This notice has been sent already."))
    else:
        messages.success(request, _("The notice will be sent again."))
    return redirect("notifications:staff_overview")
