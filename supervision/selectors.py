"""Figures for the public statistics page and the staff queue, computed in the database.
The staff dashboard's figures are in supervision/dashboard.py."""

import datetime

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.access import complaints_visible_to, jurisdiction_filter
from complaints.models import OPEN_STATUSES, Complaint, Outcome, Status
from merchants import selectors as merchant_selectors
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


def public_figures() -> dict:
    now = timezone.now()
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
        # Trailing 12 months (merchants.selectors): the merchants named for cases left
        # unanswered past the limit, and every enrolled merchant's credit index.
        "merchant_period_days": merchant_selectors.RECORD_PERIOD.days,
        "named_merchants": merchant_selectors.named_merchants(now=now),
        "merchants": merchant_selectors.merchant_index_list(now=now),
    }


def cached_public_figures() -> dict:
    """The public page is read by anyone, often: its aggregates run at most every 5 minutes,
    and sooner after a case closes, a merchant's status changes or a violation is confirmed
    (those services call invalidate_public_figures)."""
    return cache.get_or_set(PUBLIC_FIGURES_KEY, public_figures, PUBLIC_FIGURES_SECONDS)


def invalidate_public_figures() -> None:
    cache.delete(PUBLIC_FIGURES_KEY)


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
