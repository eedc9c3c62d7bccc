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
