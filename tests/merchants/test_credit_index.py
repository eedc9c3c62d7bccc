"""The merchant's indicators and credit index against a hand-built data set whose answers are
known, the sector's median, and the cost of computing them (one row per merchant)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import records
from complaints.models import Complaint, Outcome, Status
from merchants.models import Merchant, MerchantStatus, OverdueMark, Violation, ViolationStatus

from .conftest import make_uscc

NOW = timezone.now()


def case(file_complaint, merchant, *, days_ago=10, answered_hours=None, status=None, outcome="", score=None):
    """A complaint shaped directly: filed `days_ago`, first answered after `answered_hours`."""
    complaint = file_complaint(merchant=merchant)
    filed = NOW - datetime.timedelta(days=days_ago)
    fields = {"filed_at": filed}
    if answered_hours is not None:
        fields["first_response_at"] = filed + datetime.timedelta(hours=answered_hours)
    if status:
        fields.update(status=status, outcome=outcome)
    if score:
        fields["satisfaction"] = score
    Complaint.objects.filter(pk=complaint.pk).update(**fields)
    complaint.refresh_from_db()
    return complaint


def violation(complaint, status=ViolationStatus.CONFIRMED, decided_days_ago=1):
    return Violation.objects.create(
        complaint=complaint,
        merchant=complaint.merchant,
        kind="harassment",
        message="Calls at night",
        status=status,
        compensation=Decimal("100.00") if status == ViolationStatus.CONFIRMED else None,
        reported_by=complaint.consumer,
        decided_at=NOW - datetime.timedelta(days=decided_days_ago),
    )


@pytest.fixture
def shop_record(file_complaint, shop):
    """The hand-built year of the shop (answers in the test below)."""
    c1 = case(file_complaint, shop, answered_hours=2, status=Status.CLOSED, outcome=Outcome.RESOLVED, score=5)
    case(file_complaint, shop, answered_hours=10, status=Status.CLOSED, outcome=Outcome.UNCONFIRMED)
    c3 = case(file_complaint, shop, status=Status.IN_MEDIATION)  # never answered: passed to the council
    OverdueMark.objects.create(merchant=shop, complaint=c3, stage=OverdueMark.Stage.ANSWER)
    case(file_complaint, shop, answered_hours=6, status=Status.CLOSED, outcome=Outcome.NO_REPLY)
    case(file_complaint, shop, days_ago=1)  # awaiting the merchant, not due yet
    old = case(file_complaint, shop, days_ago=400, answered_hours=1, status=Status.CLOSED, outcome=Outcome.RESOLVED)
    violation(c1)  # confirmed yesterday: counts
    violation(c3, status=ViolationStatus.DISMISSED)  # dismissed: never counts
    violation(old, decided_days_ago=390)  # confirmed more than 12 months ago: outside the period
    return records.public_record(shop)


def test_the_indicators_of_a_hand_built_year(shop_record):
    r = shop_record
    assert r["complaints_received"] == 5  # the 400-day-old case is outside the period
    assert r["answered"] == 3
    # Due: the three answered and the one passed to the council; the new case is not due yet.
    assert r["answered_in_time_rate"] == {"rate": 75.0, "n": 4}
    assert (r["closed"], r["resolved"], r["unconfirmed"], r["no_reply"]) == (3, 1, 1, 1)
    assert r["resolution_rate"] == {"rate": 33.3, "n": 3}
    assert r["average_first_response_hours"] == 6.0  # (2 + 10 + 6) / 3
    assert r["average_satisfaction"] == {"value": 5.0, "n": 1}
    assert r["overdue_marks"] == 1
    assert r["confirmed_violations"] == 1


def test_the_credit_index_of_a_hand_built_year(shop_record):
    # 100 × (40 × 3/4 + 30 × 1/3 + 30 × (5 - 1)/4) / 100 = 70, less 10 for the violation and 5 for the mark.
    assert shop_record["credit_index"] == 55.0


def record(**fields):
    base = {
        "complaints_received": 0,
        "answered_in_time": 0,
        "answered_in_time_rate": {"rate": None, "n": 0},
        "resolved": 0,
        "resolution_rate": {"rate": None, "n": 0},
        "average_satisfaction": {"value": None, "n": 0},
        "confirmed_violations": 0,
        "overdue_marks": 0,
    }
    base.update(fields)
    return base


def test_a_merchant_with_nothing_in_the_period_has_no_index():
    assert records.credit_index(record()) is None


def test_parts_without_cases_are_left_out_and_the_others_weigh_more():
    # Only the answer share is known (1 of 2): 50, whatever the other weights.
    one_part = record(complaints_received=2, answered_in_time=1, answered_in_time_rate={"rate": 50.0, "n": 2})
    assert records.credit_index(one_part) == 50.0
    # Complaints received but none due, closed or rated yet: nothing against the merchant.
    assert records.credit_index(record(complaints_received=1)) == 100.0


def test_the_index_stays_between_0_and_100():
    many_violations = record(
        complaints_received=1,
        answered_in_time=0,
        answered_in_time_rate={"rate": 0.0, "n": 1},
        confirmed_violations=3,
        overdue_marks=2,
    )
    assert records.credit_index(many_violations) == 0.0
    only_penalties = record(overdue_marks=1)
    assert records.credit_index(only_penalties) == 95.0


def test_a_perfect_year_scores_100():
    perfect = record(
        complaints_received=4,
        answered_in_time=4,
        answered_in_time_rate={"rate": 100.0, "n": 4},
        resolved=4,
        resolution_rate={"rate": 100.0, "n": 4},
        average_satisfaction={"value": 5.0, "n": 4},
    )
    assert records.credit_index(perfect) == 100.0


def test_the_api_list_and_detail_use_the_same_index(api, shop, shop_record, other_shop):
    listed = {m["id"]: m["credit_index"] for m in api.get("/api/v1/merchants/").json()["results"]}
    assert listed == {shop.pk: 55.0, other_shop.pk: None}
    detail = api.get(f"/api/v1/merchants/{shop.pk}/").json()
    assert detail["credit_index"] == detail["record"]["credit_index"] == 55.0


# --- the sector's median ------------------------------------------------------------------------


def merchant(name, body, region, sector="electronics", status=MerchantStatus.ENROLLED):
    return Merchant.objects.create(
        name=name, uscc=make_uscc(body), region=region, sector=sector, status=status, notice_phones=["13900000001"]
    )


@pytest.fixture
def electronics(shop, jiangan, shop_record, file_complaint):
    """Three enrolled electronics merchants (the shop and two more), one applicant and one
    merchant of another sector, which do not count."""
    shop.sector = "electronics"
    shop.save()
    second = merchant("Hankou Phones", "91420102MA4K00001", jiangan)
    case(file_complaint, second, answered_hours=20, status=Status.CLOSED, outcome=Outcome.RESOLVED, score=3)
    merchant("Quiet Cameras", "91420102MA4K00002", jiangan)  # nothing in the period
    applicant = merchant("Applicant Radios", "91420102MA4K00003", jiangan, status=MerchantStatus.APPLIED)
    for _ in range(9):
        case(file_complaint, applicant, status=Status.UNDER_REVIEW)
    bakery = merchant("Bakery", "91420102MA4K00004", jiangan, sector="catering")
    for _ in range(9):
        case(file_complaint, bakery, status=Status.CLOSED, outcome=Outcome.NO_REPLY)
    return shop


def test_sector_medians_over_the_sectors_enrolled_merchants(electronics):
    medians = records.sector_medians("electronics")
    assert medians["merchants"] == 3
    assert medians["complaints_received"] == {"value": 1.0, "merchants": 3}  # 5, 1, 0
    # Rates count only the merchants that have cases for them: the shop's 33.3 and the second's 100.
    assert medians["resolution_rate"] == {"value": 66.7, "merchants": 2}
    assert medians["average_first_response_hours"] == {"value": 13.0, "merchants": 2}  # 6 and 20
    assert medians["average_satisfaction"] == {"value": 4.0, "merchants": 2}  # 5 and 3
    assert medians["no_reply"] == {"value": 0.0, "merchants": 3}  # the bakery is another sector
    assert medians["confirmed_violations"] == {"value": 0.0, "merchants": 3}


def test_the_merchant_sees_its_figures_beside_the_sectors_median(client, owner, electronics):
    client.force_login(owner)
    response = client.get("/merchant/record/")
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["rows"]}
    assert (rows["resolution_rate"]["value"], rows["resolution_rate"]["median"]) == (33.3, 66.7)
    assert (rows["complaints_received"]["value"], rows["complaints_received"]["median"]) == (5, 1.0)
    assert (rows["credit_index"]["value"], rows["unconfirmed"]["value"], rows["no_reply"]["value"]) == (55.0, 1, 1)
    text = response.content.decode()
    assert "Sector median" in text and "1 resolved of 3 closed" in text


def test_the_private_record_is_for_merchant_staff_only(client, wang, supervisor, agent, shop):
    client.force_login(agent)
    assert client.get("/merchant/record/").status_code == 200
    for person in (wang, supervisor):
        client.force_login(person)
        assert client.get("/merchant/record/").status_code == 403


def test_indicators_cost_three_queries_whatever_the_number_of_merchants(
    electronics, django_assert_num_queries, jiangan, file_complaint
):
    for i in range(10):
        extra = merchant(f"Extra {i}", f"91420102MA4K1{i:04d}", jiangan)
        case(file_complaint, extra, answered_hours=1)
    with django_assert_num_queries(3):
        few = records.indicators_for([electronics.pk])
    with django_assert_num_queries(4):  # and one for the ids of the queryset
        every = records.indicators_for(Merchant.objects.filter(status=MerchantStatus.ENROLLED))
    assert few[electronics.pk] == every[electronics.pk]
    assert len(every) == Merchant.objects.filter(status=MerchantStatus.ENROLLED).count()
