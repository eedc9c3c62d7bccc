"""Figures for the public statistics page and the staff queue, computed in the database.
The staff dashboard's figures are in supervision/dashboard.py."""

import datetime
import logging

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.access import complaints_visible_to
from complaints.models import Complaint, Outcome, Status
from merchants import selectors as merchant_selectors
from merchants.models import Merchant, MerchantStatus

PUBLIC_FIGURES_KEY = "public_figures"
PUBLIC_FIGURES_SECONDS = 5 * 60
# Stored figures are served however old (a day at most) while fresh ones are computed.
PUBLIC_FIGURES_KEEP = 24 * 60 * 60
REFRESH_PENDING_KEY = "public_figures:refresh_pending"
REFRESH_DELAY = 30
DUE_SOON = datetime.timedelta(hours=24)
logger = logging.getLogger(__name__)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


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
        "generated_at": now,
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
    """The public page is read by anyone, often, and its figures take seconds to compute over
    a million cases: readers always get the stored figures, and a Celery task computes fresh
    ones in the background when they are older than PUBLIC_FIGURES_SECONDS or a change made
    them stale (invalidate_public_figures). Only the very first reader computes them."""
    entry = cache.get(PUBLIC_FIGURES_KEY)
    if entry is None:
        return store_public_figures()
    if timezone.now() - entry["computed_at"] > datetime.timedelta(seconds=PUBLIC_FIGURES_SECONDS):
        _schedule_refresh(delay=0)
        entry = cache.get(PUBLIC_FIGURES_KEY) or entry  # the task ran here when tasks run eagerly
    return entry["figures"]


def store_public_figures() -> dict:
    figures = public_figures()
    cache.set(PUBLIC_FIGURES_KEY, {"figures": figures, "computed_at": timezone.now()}, PUBLIC_FIGURES_KEEP)
    return figures


def invalidate_public_figures() -> None:
    """A case closed, a merchant's status changed or a violation was confirmed: fresh figures
    are computed within REFRESH_DELAY seconds, once for every change made meanwhile."""
    _schedule_refresh(delay=REFRESH_DELAY)


def _schedule_refresh(*, delay: int) -> None:
    from .tasks import refresh_public_figures

    if cache.add(REFRESH_PENDING_KEY, True, REFRESH_DELAY + 120):
        try:
            refresh_public_figures.apply_async(countdown=delay)
        except Exception:  # the broker is down: the next reader or change asks again
            cache.delete(REFRESH_PENDING_KEY)
            logger.warning("Could not queue the public figures' refresh", exc_info=True)


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
    return Merchant.objects.in_jurisdiction(user.council).order_by("name", "pk")
