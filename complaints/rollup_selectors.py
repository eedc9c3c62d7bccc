"""Reading the closed cases' totals (complaints.rollup_models) for a region and a filing
period: the same cases as Complaint.objects.in_jurisdiction(council) filed in the period,
closed ones only. The figures add the open cases, counted live, to these."""

import datetime

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from .filters import day_end, day_start
from .models import jurisdiction_q
from .rollup_models import ClosedCaseRollup, ClosedCaseTotal, ClosingWeekRollup, ResponseTimeRollup, ResponseTimeTotal
from .rollups import local_day

CLOSED_COLUMNS = [
    f.name
    for f in ClosedCaseRollup._meta.concrete_fields
    if f.name not in ("id", "council", "council_path", "filed_on")
]


def _rows(model, council=None, filed_after: datetime.date | None = None, filed_before: datetime.date | None = None):
    rows: QuerySet = model.objects.order_by()
    if council is not None:
        rows = rows.filter(jurisdiction_q(council))
    # The same local days, clamped alike, as the live filter's day_start and day_end.
    if filed_after:
        rows = rows.filter(filed_on__gte=local_day(day_start(filed_after)))
    if filed_before:
        rows = rows.filter(filed_on__lt=local_day(day_end(filed_before)))
    return rows


def _without_end(filed_before: datetime.date | None) -> datetime.date | None:
    """No case is filed after today: a period ending today or later has no end."""
    return None if filed_before and filed_before >= timezone.localdate() else filed_before


def closed_totals(council=None, *, filed_after=None, filed_before=None, today: datetime.date | None = None) -> dict:
    """Every column summed; `filed_today` is the cases filed on `today` or later."""
    sums = {f"all_{name}": Sum(name) for name in CLOSED_COLUMNS}
    filed_before = _without_end(filed_before)
    if filed_after or filed_before:
        if today is not None:
            sums["all_filed_today"] = Sum("cases", filter=Q(filed_on__gte=today))
        found = _rows(ClosedCaseRollup, council, filed_after, filed_before).aggregate(**sums)
    else:
        found = _rows(ClosedCaseTotal, council).aggregate(**sums)
        if today is not None:
            today_rows = _rows(ClosedCaseRollup, council, filed_after=today)
            found["all_filed_today"] = today_rows.aggregate(n=Sum("cases"))["n"]
    return {name.removeprefix("all_"): value or 0 for name, value in found.items()}


def closed_answered_within(council=None, *, hours: int, filed_after=None, filed_before=None) -> int:
    filed_before = _without_end(filed_before)
    if filed_after or filed_before:
        rows = _rows(ResponseTimeRollup, council, filed_after, filed_before).filter(hours__lte=hours)
    else:
        rows = _rows(ResponseTimeTotal, council).filter(hours__lte=hours)
    return rows.aggregate(within=Sum("cases"))["within"] or 0


def closed_filed_per_week(council, *, first: datetime.date, last: datetime.date, filed_after=None, filed_before=None):
    """{Monday: closed cases filed that week} for the days first..last."""
    rows = _rows(ClosedCaseRollup, council, filed_after, filed_before).filter(filed_on__gte=first, filed_on__lte=last)
    weeks: dict[datetime.date, int] = {}
    for day, n in rows.values_list("filed_on").annotate(filed=Sum("cases")):
        monday = day - datetime.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + n
    return weeks


def closed_per_week(council, *, first: datetime.date, last: datetime.date, filed_after=None, filed_before=None):
    """{Monday: cases closed that week} for the weeks starting first..last."""
    rows = _rows(ClosingWeekRollup, council, filed_after, filed_before).filter(
        closed_week__gte=first, closed_week__lte=last
    )
    return dict(rows.values_list("closed_week").annotate(closed=Sum("cases")))
