"""The public statistics' figures: computed in the database, stored in the cache, served to
readers from there and refreshed in the background (SPEC "Public statistics").

Readers always get stored figures; a Celery task computes fresh ones when they are older than
PUBLIC_FIGURES_SECONDS, or within REFRESH_DELAY seconds of a change the public sees (a case
closed, a merchant's enrolment decided, a violation confirmed). The domain marks such changes
with mediation.figures.mark_figures_stale; this module reads the mark. A periodic job refreshes
marked figures even when nobody reads them. The case counts read the closed cases' running
totals (complaints.rollups) and count only the open cases live.
"""

import datetime
import logging

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from complaints import records
from complaints.incident_selectors import public_incidents
from complaints.models import OPEN_STATUSES, Category, Complaint, Outcome
from complaints.rollup_selectors import closed_totals
from mediation.figures import clear_stale_mark, stale_since
from merchants.models import Merchant, MerchantStatus

PUBLIC_FIGURES_KEY = "public_figures"
# What the statistics page shows of them, stored beside them: without the whole lists of
# merchants (hundreds of kilobytes), which only the API gives in full.
PUBLIC_SUMMARY_KEY = "public_figures:summary"
# The page names the merchants with most cases taken over; the API lists them all.
NAMED_ON_PAGE = 50
PUBLIC_FIGURES_SECONDS = 5 * 60
# Stored figures are served however old (a day at most) while fresh ones are computed.
PUBLIC_FIGURES_KEEP = 24 * 60 * 60
REFRESH_PENDING_KEY = "public_figures:refresh_pending"
REFRESH_DELAY = 30
# The figures this process computed last (public_figures_of).
_last_computed: dict = {}
logger = logging.getLogger(__name__)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _case_counts() -> dict:
    """Totals, outcomes and categories of every case: the open ones counted live, the closed
    ones read from their running totals (complaints.rollups)."""
    is_open = Q(status__in=OPEN_STATUSES)
    live = Complaint.objects.filter(is_open).aggregate(
        total=Count("id"),
        resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
        **{f"category_{c}": Count("id", filter=Q(category=c)) for c in Category.values},
    )
    closed = closed_totals()
    categories = {c: live[f"category_{c}"] + closed[f"category_{c}"] for c in Category.values}
    return {
        "total": live["total"] + closed["cases"],
        "closed": closed["cases"],
        "resolved": live["resolved"] + closed["outcome_resolved"],
        # Only the categories some case has, as a recount grouped by category gives them.
        "categories": {c: n for c, n in sorted(categories.items()) if n},
        # Unconfirmed and no-reply cases are reported on their own line, never as resolved.
        "by_outcome": {o: closed[f"outcome_{o}"] for o in Outcome.values},
    }


def compute_public_figures() -> dict:
    now = timezone.now()
    counts = _case_counts()
    totals = {name: counts[name] for name in ("total", "closed", "resolved")}
    categories = counts["categories"]
    return {
        "generated_at": now,
        **totals,
        "resolution_rate": _rate(totals["resolved"], totals["closed"]),
        "category_shares": {k: _rate(v, totals["total"]) for k, v in sorted(categories.items())},
        "category_counts": dict(sorted(categories.items())),
        "by_outcome": counts["by_outcome"],
        "enrolled_merchants": Merchant.objects.filter(status=MerchantStatus.ENROLLED).count(),
        # Trailing 12 months (complaints.records): the merchants named for cases left
        # unanswered past the limit, and every enrolled merchant's credit index.
        "merchant_period_days": records.RECORD_PERIOD.days,
        "named_merchants": records.named_merchants(now=now),
        "merchants": records.merchant_index_list(now=now),
        # Incidents (collective complaints) from INCIDENT_PUBLIC_MIN_CASES cases: no personal data.
        "incidents": public_incidents(),
    }


def public_summary(figures: dict) -> dict:
    """The figures as the statistics page shows them: the NAMED_ON_PAGE merchants named for most
    cases and how many were named, and every enrolled merchant's credit index by id."""
    named = figures["named_merchants"]
    return {
        **{name: value for name, value in figures.items() if name not in ("merchants", "named_merchants")},
        "named_merchants": named[:NAMED_ON_PAGE],
        "named_count": len(named),
        "credit_indexes": {row["id"]: row["credit_index"] for row in figures["merchants"]},
    }


def public_figures_for_readers(*, summary: bool = False) -> dict:
    """The stored figures (`summary`: their public_summary()), at once. Old or marked-stale
    figures are refreshed in the background (once for every reader and change meanwhile); only
    the very first reader computes them."""
    key = PUBLIC_SUMMARY_KEY if summary else PUBLIC_FIGURES_KEY
    entry = cache.get(key)
    if entry is None:
        figures = store_public_figures()
        return public_summary(figures) if summary else figures
    if timezone.now() - entry["computed_at"] > datetime.timedelta(seconds=PUBLIC_FIGURES_SECONDS):
        _schedule_refresh(delay=0)
    elif stale_since() is not None:
        _schedule_refresh(delay=REFRESH_DELAY)
    else:
        return entry["figures"]
    entry = cache.get(key) or entry  # the task ran here when tasks run eagerly
    return entry["figures"]


def public_figures_of(summary: dict) -> dict:
    """The whole figures a summary was made from: the ones this process computed last when they
    are those (no cache read: what a reader that had to compute them, as when the cache is down,
    needs at once), else the stored ones."""
    last = _last_computed.get("figures")
    if last is not None and last["generated_at"] == summary["generated_at"]:
        return last
    return public_figures_for_readers()


def store_public_figures() -> dict:
    """Compute the figures afresh and store them with their summary. The stale mark is cleared
    first: a change committed while they are computed marks them again."""
    clear_stale_mark()
    figures = compute_public_figures()
    _last_computed["figures"] = figures
    now = timezone.now()
    entries = {
        PUBLIC_FIGURES_KEY: {"figures": figures, "computed_at": now},
        PUBLIC_SUMMARY_KEY: {"figures": public_summary(figures), "computed_at": now},
    }
    cache.set_many(entries, PUBLIC_FIGURES_KEEP)
    return figures


def refresh_if_stale() -> bool:
    """The periodic job: refresh figures a change marked stale, though nobody read them."""
    if stale_since() is None:
        return False
    store_public_figures()
    return True


def _schedule_refresh(*, delay: int) -> None:
    from .tasks import refresh_public_figures

    if cache.add(REFRESH_PENDING_KEY, True, REFRESH_DELAY + 120):
        try:
            refresh_public_figures.apply_async(countdown=delay)
        except Exception:  # the broker is down: the next reader asks again, the periodic job refreshes
            cache.delete(REFRESH_PENDING_KEY)
            logger.warning("Could not queue the public figures' refresh", exc_info=True)
