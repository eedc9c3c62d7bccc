"""The council's delivery overview of notices, with the failed ones staff can send again
(/council/notices/)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import staff_required
from complaints.access import masked_recipient
from complaints.notices import retry_notice
from notifications.models import NoticeStatus
from notifications.types import label_of

from . import notice_selectors

PAGE_SIZE = 25


@staff_required
@require_GET
def notices(request):
    user = request.user
    page = Paginator(notice_selectors.failed_notices(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "id": notice.pk,
            "case_id": notice.complaint_id,
            "case_number": notice.complaint.case_number,
            "event": label_of(notice.event),
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
        "supervision/notices.html",
        {
            "council": user.council,
            "overview": notice_selectors.delivery_overview(user),
            "page": page,
            "rows": rows,
        },
    )


@staff_required
@require_POST
def notice_retry(request, pk: int):
    notice = retry_notice(actor=request.user, notice_id=pk)
    if notice.status == NoticeStatus.SENT:
        messages.info(request, _("This notice has been sent already."))
    else:
        messages.success(request, _("The notice will be sent again."))
    return redirect("supervision:notices")
