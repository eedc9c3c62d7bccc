"""Complaints API: filing, the lists each person sees, and the case detail."""

import datetime

import pytest
from django.utils import timezone

from complaints import access, services, workflow
from complaints.models import Complaint
from merchants.models import MerchantStatus

from .conftest import png_bytes, upload

LIST = "/api/v1/complaints/"


def detail(pk):
    return f"/api/v1/complaints/{pk}/"


def body(**fields):
    data = {
        "category": "quality",
        "channel": "livestream",
        "platform": "Douyin",
        "order_number": "DY-20260301-0001",
        "purchase_date": "2026-03-01",
        "amount": "2999.5",
        "demands": ["refund", "compensation"],
        "title": "Phone screen cracked on arrival",
        "description": "The screen was cracked when I opened the box.",
        "share_contact": False,
    }
    data.update(fields)
    return data


# --- filing ---------------------------------------------------------------------------


def test_a_consumer_files_against_an_enrolled_merchant(api, wang, shop, django_capture_on_commit_callbacks):
    import sms

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_(wang).post(LIST, body(merchant=shop.pk), format="json")
    assert response.status_code == 201
    case = response.json()
    assert case["status"] == "awaiting_merchant"
    assert case["status_display"] == "Awaiting the merchant"
    assert case["merchant"] == {"id": shop.pk, "name": shop.name}
    assert case["council"] == {"id": shop.region_id, "name": shop.region.name}
    assert case["amount"] == "2999.50"
    assert case["demands"] == ["refund", "compensation"]
    assert case["channel_display"] == "Live-stream"
    assert case["case_number"].startswith("HB")
    assert case["merchant_due_at"] and case["consumer_due_at"] is None
    assert case["consumer"] == {"name": "王小明", "phone": "13800138000", "masked": False}
    assert case["allowed_actions"] == ["withdraw", "message", "report_violation"]
    assert [e["kind"] for e in case["timeline"]] == ["filed"]
    assert "notices" not in case
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]


@pytest.mark.parametrize("merchant", ["shop", "unlisted_shop"])
def test_the_filing_answer_is_the_case_as_reading_it_shows_it(request, api, wang, merchant):
    # The 201 body is built from what the filing wrote, not read back: it must not differ.
    client = api.as_(wang)
    filed = client.post(LIST, body(merchant=request.getfixturevalue(merchant).pk), format="json")

    assert filed.status_code == 201
    assert client.get(detail(filed.json()["id"])).json() == filed.json()


def test_filing_against_an_applied_merchant_goes_to_council_review(api, wang, unlisted_shop):
    response = api.as_(wang).post(LIST, body(merchant=unlisted_shop.pk), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "under_review"


def test_a_merchant_not_on_the_platform_is_named_with_its_region(api, wang, yichang):
    response = api.as_(wang).post(
        LIST, body(merchant_name="Street Stall", merchant_phone="0717-1234567", region=yichang.pk), format="json"
    )
    assert response.status_code == 201
    case = response.json()
    assert case["merchant"] is None
    assert case["merchant_name"] == "Street Stall"
    assert case["council"]["id"] == yichang.pk
    assert case["status"] == "under_review"


def test_without_a_region_the_root_council_reviews_it(api, wang, hubei, yichang):
    response = api.as_(wang).post(LIST, body(merchant_name="Street Stall"), format="json")
    assert response.status_code == 201
    assert response.json()["council"]["id"] == hubei.pk


@pytest.mark.parametrize("status", [MerchantStatus.SUSPENDED, MerchantStatus.REFUSED])
def test_filing_against_a_suspended_or_refused_merchant_goes_to_council_review(api, wang, shop, status):
    shop.status = status
    shop.save()
    response = api.as_(wang).post(LIST, body(merchant=shop.pk), format="json")
    assert response.status_code == 201
    assert (response.json()["merchant"]["id"], response.json()["status"]) == (shop.pk, "under_review")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"merchant": 999999}, "merchant"),
        ({"merchant": "abc"}, "merchant"),
        ({"merchant": 10**30}, "merchant"),
        ({}, "merchant_name"),
        ({"merchant_name": "   "}, "merchant_name"),
        ({"merchant_name": "Stall", "region": 999999}, "region"),
        ({"merchant_name": "Stall", "merchant_phone": "<script>"}, "merchant_phone"),
        ({"category": "weather"}, "category"),
        ({"channel": 7}, "channel"),
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "10000000.01"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"demands": ["a pony"]}, "demands"),
        ({"demands": "refund"}, "demands"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"purchase_date": "2999-01-01"}, "purchase_date"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"description": "\x00\u200b"}, "description"),  # NUL is stripped (mediation.text): blank
        ({"share_contact": "perhaps"}, "share_contact"),
    ],
)
def test_bad_complaint_bodies_are_field_errors(api, wang, shop, fields, field):
    data = body(**fields) if "merchant" in fields or "merchant_name" in fields else body(merchant=shop.pk, **fields)
    if not fields:
        data = body()
    response = api.as_(wang).post(LIST, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Complaint.objects.exists()


def test_malformed_json_is_a_400(api, wang, shop):
    response = api.as_(wang).post(LIST, '{"merchant": ', content_type="application/json")
    assert response.status_code == 400
    assert api.post(LIST, "[1, 2]", content_type="application/json").status_code == 400
    assert api.post(LIST, "null", content_type="application/json").status_code == 400


@pytest.mark.parametrize("person", ["owner", "agent", "mediator"])
def test_only_consumers_file_complaints(api, shop, person, request):
    """And council staff who file for consumers (tests/supervision/test_intake.py)."""
    response = api.as_(request.getfixturevalue(person)).post(LIST, body(merchant=shop.pk), format="json")
    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_filing_needs_a_login(api, shop):
    assert api.post(LIST, body(merchant=shop.pk), format="json").status_code == 401


# --- lists ----------------------------------------------------------------------------


def ids(response):
    assert response.status_code == 200, response.content
    return {c["id"] for c in response.json()["results"]}


def test_each_person_lists_only_the_cases_they_may_see(
    api, file_complaint, wang, li, owner, agent, other_agent, supervisor, sibling_supervisor, mediator, other_shop
):
    wangs = file_complaint()
    lis = file_complaint(consumer=li)
    yichang_case = file_complaint(consumer=li, merchant=other_shop)
    assert ids(api.as_(wang).get(LIST)) == {wangs.pk}
    assert ids(api.as_(li).get(LIST)) == {lis.pk, yichang_case.pk}
    assert ids(api.as_(owner).get(LIST)) == {wangs.pk, lis.pk}
    assert ids(api.as_(agent).get(LIST)) == {wangs.pk, lis.pk}
    assert ids(api.as_(other_agent).get(LIST)) == {yichang_case.pk}
    assert ids(api.as_(supervisor).get(LIST)) == {wangs.pk, lis.pk}
    assert ids(api.as_(mediator).get(LIST)) == {wangs.pk, lis.pk}
    assert ids(api.as_(sibling_supervisor).get(LIST)) == {yichang_case.pk}


def test_listing_needs_a_login(api):
    assert api.get(LIST).status_code == 401


def test_an_agent_sees_the_consumer_masked_in_the_list(api, file_complaint, agent):
    file_complaint()
    [case] = api.as_(agent).get(LIST).json()["results"]
    assert case["consumer"] == {"name": access.mask_name("王小明"), "phone": "138****8000", "masked": True}
    assert case["consumer"]["name"].startswith("王")


def test_an_owner_sees_full_contact_only_where_the_consumer_consented(api, file_complaint, owner):
    file_complaint(share_contact=True)
    file_complaint(share_contact=False)
    contacts = sorted(c["consumer"]["masked"] for c in api.as_(owner).get(LIST).json()["results"])
    assert contacts == [False, True]


def test_list_filters(api, file_complaint, supervisor, owner, wang, unlisted_shop):
    quality = file_complaint(category="quality", order_number="ORDER-1")
    safety = file_complaint(category="safety", channel="offline")
    review = file_complaint(merchant=unlisted_shop, category="price")
    workflow.perform(actor=owner, complaint_id=quality.pk, action="respond", kind="decline", message="No")
    api.as_(supervisor)
    assert ids(api.get(LIST, {"status": "awaiting_consumer"})) == {quality.pk}
    assert ids(api.get(LIST, {"category": "safety"})) == {safety.pk}
    assert ids(api.get(LIST, {"channel": "offline"})) == {safety.pk}
    assert ids(api.get(LIST, {"merchant": unlisted_shop.pk})) == {review.pk}
    assert ids(api.get(LIST, {"q": "ORDER-1"})) == {quality.pk}
    assert ids(api.get(LIST, {"q": review.case_number})) == {review.pk}
    today = timezone.localdate()
    assert ids(api.get(LIST, {"filed_after": today.isoformat()})) == {quality.pk, safety.pk, review.pk}
    assert ids(api.get(LIST, {"filed_before": (today - datetime.timedelta(days=1)).isoformat()})) == set()


def test_overdue_filter_finds_cases_past_their_deadline(api, file_complaint, supervisor):
    late = file_complaint()
    file_complaint()
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert ids(api.as_(supervisor).get(LIST, {"overdue": "true"})) == {late.pk}


def test_list_orders_by_priority_then_filing_time(api, file_complaint, supervisor):
    low = file_complaint(amount="10.00", channel="ecommerce")
    high = file_complaint(category="safety", amount="9000.00", channel="livestream")
    results = api.as_(supervisor).get(LIST, {"ordering": "-priority,filed_at"}).json()["results"]
    assert [c["id"] for c in results] == [high.pk, low.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"filed_after": "last week"},
        {"merchant": "abc"},
        {"merchant": "99999999999999999999999"},
        {"ordering": "password"},
        {"overdue": "sometimes"},
        {"page": "abc"},
        {"page_size": "-3"},
        {"q": "x" * 10000},
    ],
)
def test_bad_filters_never_answer_500(api, file_complaint, supervisor, params):
    file_complaint()
    response = api.as_(supervisor).get(LIST, params)
    assert response.status_code in (200, 400, 404)


def test_the_list_makes_the_same_few_queries_however_many_cases(
    api, file_complaint, wang, supervisor, django_assert_max_num_queries
):
    for n in range(12):
        case = file_complaint(title=f"Case {n}")
        services.add_evidence(actor=wang, complaint=case, upload=upload("a.png", png_bytes()), kind="photo")
    api.as_(supervisor)
    with django_assert_max_num_queries(4):
        response = api.get(LIST, {"page_size": 100})
    assert len(response.json()["results"]) == 12
    assert all(len(c["evidence"]) == 1 for c in response.json()["results"])


# --- detail ---------------------------------------------------------------------------


def test_the_detail_shows_timeline_and_what_the_caller_may_do(api, file_complaint, owner, wang):
    case = file_complaint()
    workflow.perform(actor=wang, complaint_id=case.pk, action="message", message="Photos attached.")
    response = api.as_(owner).get(detail(case.pk))
    assert response.status_code == 200
    data = response.json()
    assert data["allowed_actions"] == ["respond", "message", "assign_agent"]
    assert [(e["kind"], e["actor_role"]) for e in data["timeline"]] == [("filed", "consumer"), ("message", "consumer")]
    assert data["timeline"][1]["message"] == "Photos attached."
    assert "notices" not in data


def test_the_agent_sees_the_consumer_masked_in_the_timeline(api, file_complaint, agent):
    case = file_complaint()
    data = api.as_(agent).get(detail(case.pk)).json()
    assert data["timeline"][0]["actor_name"] == access.mask_name("王小明")
    assert data["consumer"]["phone"] == "138****8000"
    assert "王小明" not in str(data)
    assert "13800138000" not in str(data)


def test_staff_notes_are_hidden_from_the_parties(api, file_complaint, supervisor, wang, owner):
    case = file_complaint()
    workflow.perform(
        actor=supervisor, complaint_id=case.pk, action="message", message="Watch this shop", staff_only=True
    )
    assert "Watch this shop" in str(api.as_(supervisor).get(detail(case.pk)).json()["timeline"])
    assert "Watch this shop" not in str(api.as_(wang).get(detail(case.pk)).json()["timeline"])
    assert "Watch this shop" not in str(api.as_(owner).get(detail(case.pk)).json()["timeline"])


def test_council_staff_see_the_notices_with_masked_recipients(
    api, file_complaint, supervisor, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = file_complaint()
    data = api.as_(supervisor).get(detail(case.pk)).json()
    [notice] = data["notices"]
    assert notice["channel"] == "sms"
    assert notice["recipient"] == "139****0001"
    assert notice["status"] == "sent"
    assert notice["sent_at"]


@pytest.mark.parametrize("person", ["li", "other_agent", "sibling_supervisor"])
def test_a_case_of_someone_else_is_404(api, file_complaint, person, request):
    case = file_complaint()
    response = api.as_(request.getfixturevalue(person)).get(detail(case.pk))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_and_malformed_case_ids_are_404(api, wang):
    api.as_(wang)
    for path in (detail(999999), detail(10**30), "/api/v1/complaints/abc/", "/api/v1/complaints/-1/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_the_detail_needs_a_login(api, file_complaint):
    assert api.get(detail(file_complaint().pk)).status_code == 401
