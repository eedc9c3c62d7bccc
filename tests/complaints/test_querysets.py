"""The one definition of "overdue" and of "in this council's jurisdiction" (complaints.models),
checked against the filters the queues, dashboard, exports and selectors used to write by hand."""

import datetime

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Council
from complaints.models import OPEN_STATUSES, Complaint, Status, jurisdiction_q, overdue_q
from merchants.models import Merchant

HOUR = datetime.timedelta(hours=1)


def _old_overdue(now):
    return Q(status__in=OPEN_STATUSES) & (Q(due_at__lt=now) | Q(is_overdue=True))


def _pks(qs):
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def cases(file_complaint, shop, other_shop):
    """Open and closed cases on each side of their deadline, with and without the job's mark."""
    now = timezone.now()
    shapes = {
        "due later": dict(status=Status.AWAITING_MERCHANT, due_at=now + HOUR, is_overdue=False),
        "due passed": dict(status=Status.AWAITING_MERCHANT, due_at=now - HOUR, is_overdue=False),
        "marked by the job": dict(status=Status.IN_MEDIATION, due_at=now + HOUR, is_overdue=True),
        "no deadline": dict(status=Status.IN_MEDIATION, due_at=None, is_overdue=False),
        "closed late": dict(status=Status.CLOSED, outcome="withdrawn", due_at=now - HOUR, is_overdue=True),
        "elsewhere, due passed": dict(status=Status.UNDER_REVIEW, due_at=now - HOUR, is_overdue=False),
    }
    made = {}
    for name, fields in shapes.items():
        case = file_complaint(merchant=other_shop if name.startswith("elsewhere") else shop)
        Complaint.objects.filter(pk=case.pk).update(**fields)
        made[name] = case.pk
    return now, made


def test_overdue_cases_are_the_open_ones_past_their_deadline_or_marked(cases):
    now, made = cases
    overdue = _pks(Complaint.objects.overdue(now))
    assert overdue == {made["due passed"], made["marked by the job"], made["elsewhere, due passed"]}
    assert overdue == _pks(Complaint.objects.filter(_old_overdue(now)))


def test_not_overdue_is_every_other_case(cases):
    now, made = cases
    rest = _pks(Complaint.objects.exclude(overdue_q(now)))
    assert rest == {made["due later"], made["no deadline"], made["closed late"]}
    assert rest == _pks(Complaint.objects.exclude(_old_overdue(now)))


def test_overdue_counts_in_an_aggregate_as_in_a_filter(cases):
    now, _ = cases
    counted = Complaint.objects.aggregate(n=Count("id", filter=overdue_q(now)))
    assert counted["n"] == Complaint.objects.overdue(now).count() == 3


def test_overdue_defaults_to_now(cases):
    _, made = cases
    assert made["due later"] not in _pks(Complaint.objects.overdue())


def test_a_council_jurisdiction_holds_its_cases_and_those_below_it(cases, hubei, wuhan, jiangan, yichang):
    for council in (hubei, wuhan, jiangan, yichang):
        old = _pks(Complaint.objects.filter(council_path__startswith=council.path))
        assert _pks(Complaint.objects.in_jurisdiction(council)) == old
    assert Complaint.objects.in_jurisdiction(hubei).count() == 6
    assert Complaint.objects.in_jurisdiction(wuhan).count() == 5
    assert Complaint.objects.in_jurisdiction(yichang).count() == 1


def test_a_council_whose_id_extends_another_is_not_below_it(file_complaint, hubei):
    """/1/2/ is not a prefix of /1/23/: the trailing slash keeps sibling ids apart."""
    short = Council.objects.create(pk=2_000_000, name="District 2", code="HB-D2", parent=hubei)
    longer = Council.objects.create(pk=20_000_000, name="District 20", code="HB-D20", parent=hubei)
    assert longer.path.startswith(short.path[:-1])
    shop = Merchant.objects.create(name="Far Shop", uscc="91420100MA4K0FFF0F", region=longer, status="enrolled")
    file_complaint(merchant=shop)
    assert Complaint.objects.in_jurisdiction(short).count() == 0
    assert Complaint.objects.in_jurisdiction(longer).count() == 1


def test_jurisdiction_filters_on_related_paths_match_the_old_ones(cases, wuhan, yichang):
    for council in (wuhan, yichang):
        assert set(Council.objects.filter(jurisdiction_q(council, field="path"))) == set(
            Council.objects.filter(path__startswith=council.path)
        )
        assert set(Merchant.objects.in_jurisdiction(council)) == set(
            Merchant.objects.filter(region__path__startswith=council.path)
        )


def test_the_jurisdiction_filter_is_a_prefix_match_the_pattern_indexes_serve(wuhan):
    sql = str(Complaint.objects.in_jurisdiction(wuhan).query)
    assert f'"complaints_complaint"."council_path"::text LIKE {wuhan.path}%' in sql
