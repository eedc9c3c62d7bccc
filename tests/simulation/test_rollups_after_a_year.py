"""After a simulated year of filings, answers, closings and ratings across several councils
(tests/simulation/simulator.py), every figure the dashboard and the public statistics build
from the closed cases' running totals equals a full recount of every case, computed as the
figures were before the totals existed; and rebuild_rollups writes the very rows the
transitions kept.

The year stops at its last day with cases still open, so the figures mix the totals with the
live count of open cases, and some closed cases' first deadlines are still ahead."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek
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
    overdue_q,
)
from complaints.rollups import MODELS
from supervision import dashboard, figures
from supervision.dashboard import Scope, staff_dashboard
from supervision.selectors import DUE_SOON
from supervision.targets import targets_for
from tests.simulation.simulator import Config, Simulation

pytestmark = [
    pytest.mark.simulation,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("commits_without_waiting_for_the_disk"),
]

YEAR = Config(complaints=300, days=365, seed=17, until_all_closed=False, incidents=1)
YEAR_END = YEAR.start + datetime.timedelta(days=YEAR.days)


def recount(cases, now, targets) -> dict:
    """Every count of the dashboard over every case, in one pass (the figures before the totals)."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    is_open = Q(status__in=OPEN_STATUSES)
    deadline_due = Q(merchant_first_due_at__isnull=False) & (
        Q(first_response_at__isnull=False) | Q(merchant_first_due_at__lt=now)
    )
    answered = Q(first_response_at__isnull=False)
    response_time = ExpressionWrapper(F("first_response_at") - F("filed_at"), output_field=DurationField())
    hours = datetime.timedelta(hours=targets.first_response_hours)
    aggregates = {
        "total": Count("id"),
        "open": Count("id", filter=is_open),
        "new_today": Count("id", filter=Q(filed_at__gte=today)),
        "overdue": Count("id", filter=overdue_q(now)),
        "due_soon": Count("id", filter=is_open & Q(is_overdue=False, due_at__gte=now, due_at__lt=now + DUE_SOON)),
        "closed": Count("id", filter=Q(status=Status.CLOSED)),
        "deadline_due": Count("id", filter=deadline_due),
        "answered_in_time": Count(
            "id", filter=deadline_due & answered & Q(first_response_at__lte=F("merchant_first_due_at"))
        ),
        "answered": Count("id", filter=answered),
        "answered_within_target": Count("id", filter=answered & Q(first_response_at__lte=F("filed_at") + hours)),
        "avg_response": Avg(response_time, filter=answered),
        "rated": Count("satisfaction"),
        "avg_satisfaction": Avg("satisfaction"),
    }
    aggregates |= {f"status_{s}": Count("id", filter=Q(status=s)) for s in Status.values}
    aggregates |= {f"outcome_{o}": Count("id", filter=Q(status=Status.CLOSED, outcome=o)) for o in Outcome.values}
    aggregates |= {f"category_{c}": Count("id", filter=Q(category=c)) for c in Category.values}
    aggregates |= {f"intake_{i}": Count("id", filter=Q(intake_channel=i)) for i in IntakeChannel.values}
    return cases.aggregate(**aggregates)


def recount_weeks(scope: Scope, now) -> list[dict]:
    weeks = dashboard._weeks(scope, now)
    start, end = day_start(weeks[0]), day_end(weeks[-1] + datetime.timedelta(days=6))

    def per_week(field):
        rows = scope.cases().filter(**{f"{field}__gte": start, f"{field}__lt": end})
        rows = rows.annotate(week=TruncWeek(field)).values("week").annotate(n=Count("id")).order_by()
        return {timezone.localtime(r["week"]).date(): r["n"] for r in rows}

    filed, closed = per_week("filed_at"), per_week("closed_at")
    return [{"week_start": m, "filed": filed.get(m, 0), "closed": closed.get(m, 0)} for m in weeks]


def recount_public() -> dict:
    totals = Complaint.objects.aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
    )
    categories = dict(Complaint.objects.values_list("category").annotate(n=Count("id")).order_by())
    closed = Complaint.objects.filter(status=Status.CLOSED)
    outcomes = dict(closed.values_list("outcome").annotate(n=Count("id")).order_by())
    return {
        **totals,
        "category_counts": dict(sorted(categories.items())),
        "by_outcome": {o: outcomes.get(o, 0) for o in Outcome.values},
    }


def rollup_rows() -> set[tuple]:
    return {
        (model.__name__, *(getattr(row, f.attname) for f in model._meta.concrete_fields if f.name != "id"))
        for model in MODELS
        for row in model.objects.all()
    }


def scopes() -> list[Scope]:
    """Every council, whole and over two filing periods; the widest also over a period with a
    trend longer than the 104 weeks shown."""
    found = []
    for council in Council.objects.order_by("path"):
        found.append(Scope(council=council))
        found.append(
            Scope(council=council, filed_after=datetime.date(2025, 3, 10), filed_before=datetime.date(2025, 6, 1))
        )
        found.append(Scope(council=council, filed_after=datetime.date(2025, 11, 20)))
    root = Council.objects.order_by("path").first()
    found.append(Scope(council=root, filed_after=datetime.date(2022, 1, 1), filed_before=datetime.date(2026, 2, 1)))
    return found


def assert_dashboard_equals_recount(scope: Scope, now) -> None:
    targets = targets_for(scope.council)
    kept = dashboard._counts(scope, now, targets)
    counted = recount(scope.cases(), now, targets)
    assert kept.keys() == counted.keys()
    for name in kept:
        if name == "avg_response" and counted[name] is not None:
            # An interval's average as PostgreSQL divides it, against microseconds summed.
            assert abs(kept[name] - counted[name]) <= datetime.timedelta(microseconds=1), (scope, name)
        elif name == "avg_satisfaction" and counted[name] is not None:
            assert kept[name] == pytest.approx(counted[name], abs=1e-12), (scope, name)
        else:
            assert kept[name] == counted[name], (scope, name, kept[name], counted[name])
    trend = [{k: w[k] for k in ("week_start", "filed", "closed")} for w in dashboard.weekly_trend(scope, now)]
    assert trend == recount_weeks(scope, now), scope


def test_every_figure_from_the_totals_equals_a_full_recount_after_a_year():
    Simulation(YEAR).run()
    cases = Complaint.objects.all()
    assert cases.filter(status=Status.CLOSED).count() > 100 and cases.exclude(status=Status.CLOSED).exists()
    assert cases.filter(satisfaction__isnull=False).exists()
    assert Council.objects.count() > 2

    with time_machine.travel(YEAR_END, tick=False):
        now = timezone.now()
        for scope in scopes():
            assert_dashboard_equals_recount(scope, now)
        # A council's own first-response target, far from the default, reads other hours.
        city = Council.objects.filter(parent__isnull=False).order_by("path").first()
        for hours in (1, 5, 72, 720):
            Council.objects.filter(pk=city.pk).update(target_first_response_hours=hours)
            city = Council.objects.get(pk=city.pk)
            assert_dashboard_equals_recount(Scope(council=city), now)
            assert_dashboard_equals_recount(Scope(council=city, filed_after=datetime.date(2025, 4, 1)), now)
        root = Council.objects.order_by("path").first()
        assert staff_dashboard(Scope(council=root), now)["total"] == cases.count()

    public = figures.compute_public_figures()
    assert {k: public[k] for k in recount_public()} == recount_public()

    # rebuild_rollups, run on the same cases, writes the very rows the transitions kept.
    kept = rollup_rows()
    assert len(kept) > 50
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert rollup_rows() == kept
