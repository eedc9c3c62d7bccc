"""The merchant portal: the inbox of cases against the user's merchant."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.access import complaints_visible_to
from complaints.models import OPEN_STATUSES, Complaint, Party, Status

PAGE_SIZE = 25

# Each tab: its filter and its order. "Waiting on us" is the merchant's to-do list.
TABS = {
    "waiting": (gettext_lazy("Waiting on us"), Q(status__in=OPEN_STATUSES, waiting_on=Party.MERCHANT)),
    "open": (gettext_lazy("Open"), Q(status__in=OPEN_STATUSES)),
    "closed": (gettext_lazy("Closed"), Q(status=Status.CLOSED)),
}
DEFAULT_TAB = "waiting"


def merchant_required(view):
    """Merchant pages: anonymous users log in first; other roles are told the page is not theirs."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_merchant_user:
            message = _("This page is for merchant staff.")
            return render(request, "merchants/forbidden.html", {"message": message}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _tab_counts(cases: QuerySet[Complaint]) -> dict[str, int]:
    return cases.aggregate(**{name: Count("id", filter=condition) for name, (_label, condition) in TABS.items()})


def _tab_cases(cases: QuerySet[Complaint], tab: str) -> QuerySet[Complaint]:
    cases = cases.filter(TABS[tab][1]).select_related("merchant")
    if tab == "closed":
        return cases.order_by("-closed_at", "-pk")
    # The soonest deadline first: that is the case to answer now.
    return cases.order_by(F("due_at").asc(nulls_last=True), "filed_at", "pk")


@merchant_required
def inbox(request):
    user = request.user
    tab = request.GET.get("tab", DEFAULT_TAB)
    if tab not in TABS:
        tab = DEFAULT_TAB
    cases = complaints_visible_to(user)
    counts = _tab_counts(cases)
    page = Paginator(_tab_cases(cases, tab), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "merchants/inbox.html",
        {
            "merchant": user.merchant,
            "tabs": [(name, label, counts[name]) for name, (label, _condition) in TABS.items()],
            "tab": tab,
            "tab_label": TABS[tab][0],
            "page": page,
        },
    )
