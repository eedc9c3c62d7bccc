"""Council staff pages (queue, dashboard) and the public statistics page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Category, Outcome, Status
from complaints.priority import RULES

from . import selectors
from .forms import MerchantSearchForm, StaffQueueFilter

PAGE_SIZE = 25


def staff_required(view):
    """Council pages: anonymous users log in first; other roles are told the page is not theirs."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_council_staff:
            message = _("This page is for council staff.")
            return render(request, "supervision/forbidden.html", {"message": message}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _decorate(case, now) -> None:
    """Display-only attributes, computed from the row (no queries)."""
    case.reason_labels = [_(RULES[r][1]) for r in case.priority_reasons or [] if r in RULES]
    case.overdue_now = case.is_open and (case.is_overdue or (case.due_at is not None and case.due_at < now))


@staff_required
def queue(request):
    user = request.user
    filterset = StaffQueueFilter(request.GET or None, queryset=selectors.staff_queue(user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        _decorate(case, now)
    return render(
        request,
        "supervision/queue.html",
        {
            "filter_form": filterset.form,
            "page": page,
            "is_filtered": bool(request.GET.keys() - {"page"}),
            "council": user.council,
        },
    )


@staff_required
def dashboard(request):
    figures = selectors.dashboard_figures(request.user)
    status_rows = [(code, label, figures["by_status"][code]) for code, label in Status.choices]
    outcome_rows = [(label, figures["by_outcome"][code]) for code, label in Outcome.choices]
    return render(
        request,
        "supervision/dashboard.html",
        {
            "council": request.user.council,
            "figures": figures,
            "status_rows": status_rows,
            "outcome_rows": outcome_rows,
            "overdue": list(selectors.overdue_cases(request.user)),
        },
    )


def public_stats(request):
    figures = selectors.cached_public_figures()
    labels = dict(Category.choices)
    categories = [
        (labels.get(code, code), figures["category_counts"].get(code, 0), share)
        for code, share in figures["category_shares"].items()
    ]
    categories.sort(key=lambda row: -row[1])
    outcomes = figures["by_outcome"]
    search = MerchantSearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    merchants = Paginator(selectors.enrolled_merchants(q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/public_stats.html",
        {
            "figures": figures,
            "categories": categories,
            "unconfirmed": outcomes.get(Outcome.UNCONFIRMED, 0),
            "no_reply": outcomes.get(Outcome.NO_REPLY, 0),
            "search": search,
            "q": q,
            "merchants": merchants,
        },
    )
