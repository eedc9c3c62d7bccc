"""The staff dashboard's figures for a jurisdiction (SPEC "Supervision"), all computed in the
database: one conditional aggregate over the *open* cases for the counts, rates and averages,
added to the closed cases' running totals (complaints.rollups: rows per council and filing
day, kept by the transitions), grouped counts for the weekly trend and the merchants. Nothing
loads complaint rows into Python, and the closed cases, most of all, are never rescanned.

Every figure is over the cases *filed in the period* (the filter's dates, both included, in
local time; all cases when no date is given) in the chosen region (a council of the viewer's
jurisdiction and every council below it). Counts of "now" (open, overdue, due within 24 h)
are the current state of those cases.

Honest rates (SPEC): a case counts as resolved only when the consumer confirmed it (outcome
`resolved`, which a mediated agreement also reaches once fulfilled and confirmed); cases closed
unconfirmed or without the consumer's reply are reported on their own lines. Every rate
carries its n (the cases it is a share of) and the period.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from accounts.models import Council
from complaints.filters import day_end, day_start
from complaints.models import (
    OPEN_STATUSES,
    Category,
    Complaint,
    IntakeChannel,
    Outcome,
    Status,
    jurisdiction_q,
    overdue_q,
)
from complaints.rollup_selectors import closed_answered_within, closed_filed_per_week, closed_per_week, closed_totals

from .selectors import DUE_SOON
from .targets import Targets, targets_for

TOP_MERCHANTS = 10
DEFAULT_TREND_WEEKS = 12
MAX_TREND_WEEKS = 104


@dataclass(frozen=True)
class Scope:
    """Which cases the figures cover: a council's subtree and an optional filing period."""

    council: Council
    filed_after: datetime.date | None = None
    filed_before: datetime.date | None = None
    # The viewer's own council, of which `council` is itself or a descendant.
    jurisdiction: Council | None = None

    def __post_init__(self) -> None:
        if self.jurisdiction is None:
            object.__setattr__(self, "jurisdiction", self.council)

    def cases(self) -> QuerySet[Complaint]:
        cases = Complaint.objects.in_jurisdiction(self.council)
        if self.filed_after:
            cases = cases.filter(filed_at__gte=day_start(self.filed_after))
        if self.filed_before:
            cases = cases.filter(filed_at__lt=day_end(self.filed_before))
        return cases


def scope_for(user, *, region: Council | None = None, filed_after=None, filed_before=None) -> Scope:
    """The viewer's jurisdiction, or a council inside it. A region outside it is refused by
    the forms; here it falls back to the jurisdiction, so nothing outside is ever counted."""
    council = user.council
    if region is not None and region.path.startswith(council.path):
        council = region
    return Scope(council=council, filed_after=filed_after, filed_before=filed_before, jurisdiction=user.council)


def jurisdiction_councils(user) -> QuerySet[Council]:
    """The councils a staff member may choose as a region: theirs and every one below it."""
    return Council.objects.filter(jurisdiction_q(user.council, field="path")).order_by("path")


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _share(count: int, n: int) -> dict:
    return {"count": count, "n": n, "rate": _rate(count, n)}


def _key(prefix: str, code: str) -> str:
    return f"{prefix}_{code}"


def _open_counts(cases: QuerySet[Complaint], now: datetime.datetime, targets: Targets) -> dict:
    """Every count and sum over the scope's open cases, in one pass: open cases are a small
    share of all, and the partial indexes over open cases serve it. A second count finds the
    closed cases whose first deadline is not due yet (see `_counts`)."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    is_open = Q(status__in=OPEN_STATUSES)
    not_yet_due = Q(status=Status.CLOSED, first_response_at__isnull=True, merchant_first_due_at__gte=now)
    went_to_merchant = Q(merchant_first_due_at__isnull=False)
    # A first deadline counts once it has passed or the merchant has answered.
    deadline_due = went_to_merchant & (Q(first_response_at__isnull=False) | Q(merchant_first_due_at__lt=now))
    answered = Q(first_response_at__isnull=False)
    response_time = ExpressionWrapper(F("first_response_at") - F("filed_at"), output_field=DurationField())
    within_target = answered & Q(
        first_response_at__lte=F("filed_at") + datetime.timedelta(hours=targets.first_response_hours)
    )
    in_time = deadline_due & answered & Q(first_response_at__lte=F("merchant_first_due_at"))
    counted = {
        "new_today": Q(filed_at__gte=today),
        "overdue": overdue_q(now),
        "due_soon": Q(is_overdue=False, due_at__gte=now, due_at__lt=now + DUE_SOON),
        "deadline_due": deadline_due,
        "answered_in_time": in_time,
        "answered": answered,
        "answered_within_target": within_target,
        "rated": Q(satisfaction__isnull=False),
    }
    counted |= {_key("status", s): Q(status=s) for s in OPEN_STATUSES}
    counted |= {_key("category", c): Q(category=c) for c in Category.values}
    counted |= {_key("intake", i): Q(intake_channel=i) for i in IntakeChannel.values}
    aggregates = {name: Count("id", filter=q) for name, q in counted.items()}
    aggregates |= {
        "total": Count("id"),
        "response_total": Sum(response_time, filter=answered),
        "satisfaction_sum": Sum("satisfaction"),
    }
    found = cases.filter(is_open).aggregate(**aggregates)
    # Closed cases, few and found through their own partial index.
    found["not_yet_due"] = cases.filter(not_yet_due).count()
    return found


def _counts(scope: Scope, now: datetime.datetime, targets: Targets) -> dict:
    """Every count, rate input and average of the scope's cases: the open ones counted live,
    the closed ones read from their running totals (complaints.rollups)."""
    live = _open_counts(scope.cases(), now, targets)
    period = {"filed_after": scope.filed_after, "filed_before": scope.filed_before}
    closed = closed_totals(scope.council, today=timezone.localdate(now), **period)
    # The totals count every closed case that went to the merchant as due; one never answered
    # whose first deadline is still ahead is not due yet.
    not_yet_due = live["not_yet_due"]
    answered = live["answered"] + closed["answered"]
    response = (live["response_total"] or datetime.timedelta(0)) + datetime.timedelta(
        microseconds=closed["response_microseconds"]
    )
    rated = live["rated"] + closed["rated"]
    satisfaction = (live["satisfaction_sum"] or 0) + closed["satisfaction_sum"]
    within = closed_answered_within(scope.council, hours=targets.first_response_hours, **period)
    counts = {
        "total": live["total"] + closed["cases"],
        "open": live["total"],
        "new_today": live["new_today"] + closed["filed_today"],
        "overdue": live["overdue"],
        "due_soon": live["due_soon"],
        "closed": closed["cases"],
        "deadline_due": live["deadline_due"] + closed["went_to_merchant"] - not_yet_due,
        "answered_in_time": live["answered_in_time"] + closed["answered_in_time"],
        "answered": answered,
        "answered_within_target": live["answered_within_target"] + within,
        "avg_response": response / answered if answered else None,
        "rated": rated,
        "avg_satisfaction": satisfaction / rated if rated else None,
    }
    counts |= {_key("status", s): live.get(_key("status", s), 0) for s in Status.values}
    counts[_key("status", Status.CLOSED)] = closed["cases"]
    counts |= {_key("outcome", o): closed[_key("outcome", o)] for o in Outcome.values}
    for name in [*(_key("category", c) for c in Category.values), *(_key("intake", i) for i in IntakeChannel.values)]:
        counts[name] = live[name] + closed[name]
    return counts


def _weeks(scope: Scope, now: datetime.datetime) -> list[datetime.date]:
    """The Mondays of the ISO weeks the trend covers: the period's, or the last 12 weeks."""
    today = timezone.localdate(now)
    last = min(scope.filed_before or today, today)
    first = scope.filed_after or last - datetime.timedelta(weeks=DEFAULT_TREND_WEEKS - 1)
    # A long period shows its last two years; a period after today shows this week.
    first = min(max(first, last - datetime.timedelta(weeks=MAX_TREND_WEEKS - 1)), last)
    monday = first - datetime.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += datetime.timedelta(weeks=1)
    return weeks


def _per_week(cases: QuerySet[Complaint], field: str, start: datetime.datetime, end: datetime.datetime) -> dict:
    rows = (
        cases.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    found = {}
    for row in rows:
        week = row["week"]
        if isinstance(week, datetime.datetime):
            week = timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        found[week] = row["n"]
    return found


def weekly_trend(scope: Scope, now: datetime.datetime) -> list[dict]:
    """Cases filed and cases closed per ISO week (Monday to Sunday, local time)."""
    weeks = _weeks(scope, now)
    start = day_start(weeks[0])
    end = day_end(weeks[-1] + datetime.timedelta(days=6))
    # Open cases counted live; closed ones, and every closing, from the running totals.
    filed = _per_week(scope.cases().filter(status__in=OPEN_STATUSES), "filed_at", start, end)
    period = {"filed_after": scope.filed_after, "filed_before": scope.filed_before}
    last_day = weeks[-1] + datetime.timedelta(days=6)
    for monday, n in closed_filed_per_week(scope.council, first=weeks[0], last=last_day, **period).items():
        filed[monday] = filed.get(monday, 0) + n
    closed = closed_per_week(scope.council, first=weeks[0], last=weeks[-1], **period)
    return [
        {
            "week": f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}",
            "week_start": monday,
            "filed": filed.get(monday, 0),
            "closed": closed.get(monday, 0),
        }
        for monday in weeks
    ]


def top_merchants(scope: Scope, now: datetime.datetime) -> dict[str, list[dict]]:
    """The merchants with the most open cases ("open") and with the most overdue ones ("overdue"),
    from one count of the open cases per merchant. A merchant that is not on the platform is
    listed by the name the consumer gave."""
    rows = (
        scope.cases()
        .filter(status__in=OPEN_STATUSES)
        .values("merchant_id")
        .annotate(
            name=Coalesce("merchant__name", "merchant_name"),
            open=Count("id"),
            overdue=Count("id", filter=overdue_q(now)),
        )
        .order_by()
    )
    merchants = [
        {"merchant": r["merchant_id"], "name": r["name"], "open": r["open"], "overdue": r["overdue"]} for r in rows
    ]
    # Ties by name, then merchants on the platform (by id) before names only a consumer gave.
    return {
        by: sorted(
            (m for m in merchants if m[by] > 0),
            key=lambda m: (-m[by], m["name"] or "", m["merchant"] is None, m["merchant"] or 0),
        )[:TOP_MERCHANTS]
        for by in ("open", "overdue")
    }


def overdue_cases(scope: Scope, now: datetime.datetime, limit: int = 20) -> QuerySet[Complaint]:
    return (
        scope.cases()
        .overdue(now)
        .select_related("merchant", "council")
        .order_by(F("due_at").asc(nulls_first=True), "pk")[:limit]
    )


def staff_dashboard(scope: Scope, now: datetime.datetime | None = None) -> dict:
    """Every figure of the dashboard and GET /api/v1/stats/, with the council's targets."""
    now = now or timezone.now()
    targets = targets_for(scope.council)
    c = _counts(scope, now, targets)
    total, closed = c["total"], c["closed"]
    by_outcome = {o: c[_key("outcome", o)] for o in Outcome.values}
    avg_response = c["avg_response"]
    avg_hours = round(avg_response.total_seconds() / 3600, 1) if avg_response is not None else None
    avg_score = round(c["avg_satisfaction"], 2) if c["avg_satisfaction"] is not None else None
    handling = _share(c["answered_in_time"], c["deadline_due"])
    satisfaction_percent = round(100 * avg_score / 5, 1) if avg_score is not None else None
    category_counts = {k: c[_key("category", k)] for k in Category.values}
    top = top_merchants(scope, now)
    return {
        "council": {"id": scope.council.pk, "name": scope.council.name},
        "period": {"filed_after": scope.filed_after, "filed_before": scope.filed_before},
        "generated_at": now,
        "total": total,
        "by_status": {s: c[_key("status", s)] for s in Status.values},
        "open": c["open"],
        "new_today": c["new_today"],
        "overdue": c["overdue"],
        "due_soon": c["due_soon"],
        "closed": closed,
        "resolved": by_outcome[Outcome.RESOLVED],
        "resolution_rate": _rate(by_outcome[Outcome.RESOLVED], closed),
        "by_outcome": by_outcome,
        "outcome_shares": {o: _share(n, closed) for o, n in by_outcome.items()},
        "answered_in_time": handling,
        "first_response": {
            "n": c["answered"],
            "average_hours": avg_hours,
            "within_target": _share(c["answered_within_target"], c["answered"]),
        },
        "satisfaction": {"n": c["rated"], "average": avg_score, "percent": satisfaction_percent},
        "category_counts": category_counts,
        "category_shares": {k: _rate(n, total) for k, n in category_counts.items()},
        "intake_channel_counts": {i: c[_key("intake", i)] for i in IntakeChannel.values},
        "weekly": weekly_trend(scope, now),
        "top_open_merchants": top["open"],
        "top_overdue_merchants": top["overdue"],
        "targets": targets.as_dict(),
        "meets_target": {
            "handling_rate": None if handling["rate"] is None else handling["rate"] >= targets.handling_rate,
            "satisfaction": None if avg_score is None else avg_score >= targets.satisfaction_score,
            "first_response": None
            if avg_response is None
            else avg_response <= datetime.timedelta(hours=targets.first_response_hours),
        },
    }


def cached_staff_dashboard(scope: Scope) -> dict:
    """The figures as computed at most DASHBOARD_CACHE_SECONDS ago (a minute by default), for
    the page and the API alike; the page says when they were computed ("generated_at").

    One computation reads the scope's open cases and the closed cases' running totals (one
    row per council and filing day), not every case; it is still computed once a minute
    however many supervisors open it.
    """
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return staff_dashboard(scope)
    # The key names the figures' shape (v2: with intake channels): figures cached in an older
    # shape are not served to a page or serializer that expects the new one.
    key = f"dashboard:v2:{scope.council.pk}:{scope.filed_after}:{scope.filed_before}"
    return cache.get_or_set(key, lambda: staff_dashboard(scope), seconds)
