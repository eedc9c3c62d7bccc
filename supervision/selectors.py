"""Figures for staff dashboards and the public statistics page, computed in the database."""

import datetime

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.access import complaints_visible_to, jurisdiction_filter
from complaints.models import OPEN_STATUSES, Complaint, Outcome, Status
from merchants.models import Merchant, MerchantStatus

PUBLIC_FIGURES_KEY = "public_figures"
PUBLIC_FIGURES_SECONDS = 5 * 60
DUE_SOON = datetime.timedelta(hours=24)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """An open case past its deadline, or one the deadline job marked overdue."""
    now = now or timezone.now()
    return Q(status__in=OPEN_STATUSES) & (Q(due_at__lt=now) | Q(is_overdue=True))


def _outcome_counts(cases: QuerySet[Complaint]) -> dict[str, int]:
    # Unconfirmed and no-reply cases are reported on their own line, never as resolved.
    found = dict(cases.filter(status=Status.CLOSED).values_list("outcome").annotate(n=Count("id")).order_by())
    return {o: found.get(o, 0) for o in Outcome.values}


def dashboard_figures(user) -> dict:
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    cases = Complaint.objects.filter(jurisdiction_filter(user))
    by_status = dict(cases.values_list("status").annotate(n=Count("id")).order_by())
    totals = cases.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        new_today=Count("id", filter=Q(filed_at__gte=today)),
        overdue=Count("id", filter=overdue_q(now)),
        due_soon=Count(
            "id",
            filter=Q(status__in=OPEN_STATUSES, is_overdue=False, due_at__gte=now, due_at__lt=now + DUE_SOON),
        ),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
    )
    return {
        "by_status": {s: by_status.get(s, 0) for s in Status.values},
        **totals,
        "resolution_rate": _rate(totals["resolved"], totals["closed"]),
        "by_outcome": _outcome_counts(cases),
    }


def overdue_cases(user, limit: int = 20):
    return (
        Complaint.objects.filter(jurisdiction_filter(user))
        .filter(overdue_q())
        .select_related("merchant", "council")
        .order_by("due_at")[:limit]
    )


def public_figures() -> dict:
    totals = Complaint.objects.aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
    )
    categories = dict(Complaint.objects.values_list("category").annotate(n=Count("id")).order_by())
    return {
        **totals,
        "resolution_rate": _rate(totals["resolved"], totals["closed"]),
        "category_shares": {k: _rate(v, totals["total"]) for k, v in sorted(categories.items())},
        "category_counts": dict(sorted(categories.items())),
        "by_outcome": _outcome_counts(Complaint.objects.all()),
        "enrolled_merchants": Merchant.objects.filter(status=MerchantStatus.ENROLLED).count(),
    }


def cached_public_figures() -> dict:
    """The public page is read by anyone, often: its aggregates run at most every 5 minutes."""
    return cache.get_or_set(PUBLIC_FIGURES_KEY, public_figures, PUBLIC_FIGURES_SECONDS)


def enrolled_merchants(q: str = "") -> QuerySet[Merchant]:
    merchants = Merchant.objects.filter(status=MerchantStatus.ENROLLED).select_related("region")
    if q:
        merchants = merchants.filter(name__icontains=q)
    return merchants.order_by("name", "pk")


def staff_queue(user) -> QuerySet[Complaint]:
    """The cases a council staff member sees, highest priority first, ready for one page query."""
    return (
        complaints_visible_to(user)
        .select_related("merchant", "council", "mediator")
        .order_by("-priority", "filed_at", "pk")
    )


def jurisdiction_merchants(user) -> QuerySet[Merchant]:
    """Merchants whose region lies in the staff member's jurisdiction."""
    return Merchant.objects.filter(jurisdiction_filter(user, field="region__path")).order_by("name", "pk")
