"""Pages: a person's own in-app notices (/notifications/). The council's delivery overview is
in supervision.notice_views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .forms import MarkReadForm
from .models import Notification
from .types import UnknownNoticeType, notice_type

PAGE_SIZE = 25


def subject_in_current_language(notice: Notification) -> str:
    """The notice's title in the reader's language. A notice is written in its recipient's
    language of the time; the title names only the case or the merchant, so it is written again
    from its type in the language the page is shown in. The text stays as it was sent."""
    try:
        return str(notice_type(notice.event).subject).format(**(notice.params or {}))
    except (UnknownNoticeType, KeyError, IndexError, ValueError):
        return notice.subject


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.in_app_notices_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    notices = [{"notice": notice, "subject": subject_in_current_language(notice)} for notice in page]
    return render(request, "notifications/inbox.html", {"page": page, "notices": notices})


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
