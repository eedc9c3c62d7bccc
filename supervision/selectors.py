"""Figures for staff dashboards and the public statistics page, computed in the database."""

from django.db.models import Count, Q
from django.utils import timezone

from complaints.access import jurisdiction_filter
from complaints.models import OPEN_STATUSES, Complaint, Outcome, Status
from merchants.models import Merchant, MerchantStatus


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def dashboard_figures(user) -> dict:
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    cases = Complaint.objects.filter(jurisdiction_filter(user))
    by_status = dict(cases.values_list("status").annotate(n=Count("id")).order_by())
    overdue = Q(status__in=OPEN_STATUSES) & (Q(due_at__lt=now) | Q(is_overdue=True))
    totals = cases.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        new_today=Count("id", filter=Q(filed_at__gte=today)),
        overdue=Count("id", filter=overdue),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
    )
    return {
        "by_status": {s: by_status.get(s, 0) for s in Status.values},
        **totals,
        "resolution_rate": _rate(totals["resolved"], totals["closed"]),
    }


def overdue_cases(user, limit: int = 20):
    now = timezone.now()
    return (
        Complaint.objects.filter(jurisdiction_filter(user), status__in=OPEN_STATUSES)
        .filter(Q(due_at__lt=now) | Q(is_overdue=True))
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
        "enrolled_merchants": Merchant.objects.filter(status=MerchantStatus.ENROLLED).count(),
    }
