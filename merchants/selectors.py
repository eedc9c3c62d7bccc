"""Reads on merchants: the public list and record, and the merchants a supervisor decides on."""

import datetime

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Merchant, MerchantStatus, OverdueMark

RECORD_PERIOD = datetime.timedelta(days=365)


def _get(qs: QuerySet[Merchant], pk) -> Merchant:
    try:
        return qs.get(pk=int(pk))
    except (Merchant.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such merchant.")) from None


def enrolled_merchants(q: str = "") -> QuerySet[Merchant]:
    """The public list: enrolled merchants only, searchable by name or credit code."""
    qs = Merchant.objects.filter(status=MerchantStatus.ENROLLED).select_related("region")
    # PostgreSQL refuses NUL in a string literal; no name contains one.
    q = (q or "").replace("\x00", "").strip()[:100]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q))
    return qs.order_by("name", "id")


def public_merchant(pk) -> Merchant:
    """Only enrolled merchants have a public record; any other answers 404."""
    return _get(enrolled_merchants(), pk)


def merchant_for_supervisor(user: User, pk, *, for_update: bool = False) -> Merchant:
    """A merchant whose region is in the supervisor's jurisdiction, else 404."""
    qs = Merchant.objects.filter(region__path__startswith=user.council.path).select_related("region")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return _get(qs, pk)


def _rate(part: int, whole: int) -> dict:
    return {"rate": round(100 * part / whole, 1) if whole else None, "n": whole}


def public_record(merchant: Merchant, *, now: datetime.datetime | None = None) -> dict:
    """Indicators over the trailing 12 months, computed in the database (SPEC "Merchants").

    A case counts as resolved only when the consumer confirmed it; unconfirmed and
    no-reply closures are reported on their own lines, never as resolved.
    """
    from complaints.models import Outcome, Status

    now = now or timezone.now()
    since = now - RECORD_PERIOD
    cases = merchant.complaints.filter(filed_at__gte=since, filed_at__lte=now)
    late_answers = OverdueMark.objects.filter(merchant=merchant, stage=OverdueMark.Stage.ANSWER).values("complaint_id")
    answered = Q(first_response_at__isnull=False)
    figures = cases.aggregate(
        received=Count("id"),
        answered=Count("id", filter=answered),
        answered_in_time=Count("id", filter=answered & ~Q(pk__in=late_answers)),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
        unconfirmed=Count("id", filter=Q(outcome=Outcome.UNCONFIRMED)),
        no_reply=Count("id", filter=Q(outcome=Outcome.NO_REPLY)),
        rated=Count("id", filter=Q(satisfaction__isnull=False)),
        average_satisfaction=Avg("satisfaction"),
        average_first_response=Avg(
            ExpressionWrapper(F("first_response_at") - F("filed_at"), output_field=DurationField()),
            filter=answered,
        ),
    )
    response = figures["average_first_response"]
    satisfaction = figures["average_satisfaction"]
    return {
        "since": timezone.localtime(since).date(),
        "until": timezone.localtime(now).date(),
        "complaints_received": figures["received"],
        "answered": figures["answered"],
        "answer_rate": _rate(figures["answered"], figures["received"]),
        "answered_in_time_rate": _rate(figures["answered_in_time"], figures["received"]),
        "closed": figures["closed"],
        "resolved": figures["resolved"],
        "unconfirmed": figures["unconfirmed"],
        "no_reply": figures["no_reply"],
        "resolution_rate": _rate(figures["resolved"], figures["closed"]),
        "average_first_response_hours": round(response.total_seconds() / 3600, 1) if response is not None else None,
        "average_satisfaction": {
            "value": round(float(satisfaction), 2) if satisfaction is not None else None,
            "n": figures["rated"],
        },
        "overdue_marks": OverdueMark.objects.filter(merchant=merchant, created_at__gte=since).count(),
    }
