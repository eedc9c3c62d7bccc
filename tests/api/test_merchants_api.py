"""Merchants API: the public list and record, enrolment applications and decisions."""

from complaints import workflow
from complaints.models import Complaint, Outcome, Status
from merchants.models import EnrolmentApplicant, Merchant, MerchantStatus
from tests.conftest import proof_for

from .conftest import make_uscc

LIST = "/api/v1/merchants/"
APPLY = "/api/v1/merchants/apply/"

VALID_USCC = make_uscc("91420102MA4K12345")


def detail(pk):
    return f"/api/v1/merchants/{pk}/"


def application(region, **fields):
    data = {
        "name": "Hankou Bakery",
        "uscc": VALID_USCC,
        "region": region.pk,
        "address": "1 Jiefang Avenue",
        "notice_phones": ["139 0000 0077"],
        "email": "shop@example.cn",
    }
    data.update(fields)
    return data


# --- the public list ------------------------------------------------------------------


def test_anyone_lists_only_enrolled_merchants(api, shop, other_shop, unlisted_shop):
    response = api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {m["id"] for m in body["results"]} == {shop.pk, other_shop.pk}
    first = next(m for m in body["results"] if m["id"] == shop.pk)
    assert first == {
        "id": shop.pk,
        "name": shop.name,
        "uscc": shop.uscc,
        "region": {"id": shop.region_id, "name": "Jiang'an District Consumer Council"},
        "credit_index": None,
    }


def test_merchant_search_by_name_or_credit_code(api, shop, other_shop):
    by_name = api.get(LIST, {"q": "furniture"}).json()["results"]
    by_code = api.get(LIST, {"q": shop.uscc.lower()}).json()["results"]
    assert [m["id"] for m in by_name] == [other_shop.pk]
    assert [m["id"] for m in by_code] == [shop.pk]


def test_merchant_list_is_paginated(api, shop, other_shop):
    body = api.get(LIST, {"page_size": 1}).json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"]
    assert api.get(LIST, {"page": 99}).status_code == 404


def test_public_record_shows_indicators_with_their_n(api, shop, file_complaint, wang, owner, settings):
    settings.RECORD_MIN_CASES = 1  # the formula over a case or two; test_record_fairness.py checks the minimum
    answered = file_complaint()
    file_complaint(title="Second")
    workflow.perform(
        actor=owner, complaint_id=answered.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )
    workflow.perform(actor=wang, complaint_id=answered.pk, action="accept")
    workflow.perform(actor=owner, complaint_id=answered.pk, action="fulfil", message="Refunded", **proof_for(answered))
    workflow.perform(actor=wang, complaint_id=answered.pk, action="confirm")
    workflow.perform(actor=wang, complaint_id=answered.pk, action="rate", score=4)

    response = api.get(detail(shop.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == shop.name
    # Answered in time 1 of 1 due, resolved 1 of 1, satisfaction (4 - 1) / 4: 100 × (40 + 30 + 22.5) / 100.
    assert body["credit_index"] == 92.5
    record = body["record"]
    assert record["complaints_received"] == 2
    assert record["answered"] == 1
    assert record["answer_rate"] == {"rate": 50.0, "n": 2}
    # The second case's answer is not due yet: it does not count against the merchant.
    assert record["answered_in_time_rate"] == {"rate": 100.0, "n": 1}
    assert record["closed"] == 1
    assert record["resolved"] == 1
    assert record["resolution_rate"] == {"rate": 100.0, "n": 1}
    assert record["average_satisfaction"] == {"value": 4.0, "n": 1}
    assert record["average_first_response_hours"] is not None


def test_a_case_closed_without_the_consumers_confirmation_is_not_resolved(api, shop, file_complaint, owner):
    complaint = file_complaint()
    workflow.perform(
        actor=owner, complaint_id=complaint.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.CLOSED, outcome=Outcome.UNCONFIRMED)
    record = api.get(detail(shop.pk)).json()["record"]
    assert record["closed"] == 1
    assert record["resolved"] == 0
    assert record["resolution_rate"] == {"rate": 0.0, "n": 1}


def test_a_merchant_not_enrolled_has_no_public_record(api, unlisted_shop):
    assert api.get(detail(unlisted_shop.pk)).status_code == 404


def test_unknown_and_malformed_merchant_ids_are_404(api, shop):
    assert api.get(detail(999999)).status_code == 404
    assert api.get(detail(10**30)).status_code == 404
    response = api.get("/api/v1/merchants/abc/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- applying -------------------------------------------------------------------------


def test_a_logged_in_user_applies_for_a_merchant(api, li, jiangan):
    response = api.as_(li).post(APPLY, application(jiangan), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "applied"
    assert body["notice_phones"] == ["13900000077"]
    assert body["region"] == {"id": jiangan.pk, "name": jiangan.name}
    merchant = Merchant.objects.get(pk=body["id"])
    assert merchant.uscc == VALID_USCC
    assert EnrolmentApplicant.objects.get(merchant=merchant).user == li


def test_applying_needs_a_login(api, jiangan):
    assert api.post(APPLY, application(jiangan), format="json").status_code == 401


def test_a_credit_code_with_a_wrong_check_character_is_refused(api, li, jiangan):
    wrong = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")
    response = api.as_(li).post(APPLY, application(jiangan, uscc=wrong), format="json")
    assert response.status_code == 400
    assert "uscc" in response.json()
    assert not Merchant.objects.filter(name="Hankou Bakery").exists()


def test_a_credit_code_already_on_the_platform_is_refused(api, li, jiangan):
    api.as_(li).post(APPLY, application(jiangan), format="json")
    again = api.post(APPLY, application(jiangan, name="Other"), format="json")
    assert again.status_code == 400
    assert "uscc" in again.json()


def test_notice_phones_must_be_mobile_numbers(api, li, jiangan):
    response = api.as_(li).post(APPLY, application(jiangan, notice_phones=["027-8765 4321"]), format="json")
    assert response.status_code == 400
    assert "notice_phones" in response.json()
    empty = api.post(APPLY, application(jiangan, notice_phones=[]), format="json")
    assert empty.status_code == 400


def test_region_must_be_a_council(api, li, jiangan):
    for region in (999999, "abc", None, 10**30):
        response = api.as_(li).post(APPLY, {**application(jiangan), "region": region}, format="json")
        assert response.status_code == 400, region
        assert "region" in response.json()


# --- deciding -------------------------------------------------------------------------


def approve(pk):
    return f"/api/v1/merchants/{pk}/approve/"


def suspend(pk):
    return f"/api/v1/merchants/{pk}/suspend/"


def test_a_supervisor_approves_and_the_applicant_becomes_the_owner(api, li, supervisor, jiangan):
    merchant_id = api.as_(li).post(APPLY, application(jiangan), format="json").json()["id"]
    response = api.as_(supervisor).post(approve(merchant_id))
    assert response.status_code == 200
    assert response.json()["status"] == "enrolled"
    assert response.json()["enrolled_at"]
    li.refresh_from_db()
    assert li.role == "merchant_owner"
    assert li.merchant_id == merchant_id
    assert api.get(detail(merchant_id)).status_code == 200


def test_an_applicant_with_complaints_stays_a_consumer(api, wang, supervisor, jiangan, file_complaint):
    file_complaint()
    merchant_id = api.as_(wang).post(APPLY, application(jiangan), format="json").json()["id"]
    assert api.as_(supervisor).post(approve(merchant_id)).status_code == 200
    wang.refresh_from_db()
    assert wang.role == "consumer"
    assert wang.merchant_id is None


def test_a_supervisor_of_a_sibling_city_cannot_find_the_merchant(api, sibling_supervisor, unlisted_shop):
    assert api.as_(sibling_supervisor).post(approve(unlisted_shop.pk)).status_code == 404
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.APPLIED


def test_other_roles_may_never_decide_on_enrolment(api, unlisted_shop, owner, mediator, wang):
    for person in (owner, mediator, wang):
        response = api.as_(person).post(approve(unlisted_shop.pk))
        assert response.status_code == 403, person
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.APPLIED


def test_approving_an_enrolled_merchant_is_a_state_conflict(api, supervisor, shop):
    response = api.as_(supervisor).post(approve(shop.pk))
    assert response.status_code == 409
    assert response.json()["status"] == "enrolled"
    assert response.json()["allowed_actions"] == ["suspend"]


def test_suspending_takes_a_merchant_off_the_public_list(api, supervisor, shop):
    response = api.as_(supervisor).post(suspend(shop.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert api.as_(supervisor).post(suspend(shop.pk)).status_code == 409
    api.force_authenticate(None)
    assert api.get(LIST).json()["count"] == 0


def test_a_suspended_merchant_is_approved_again(api, supervisor, shop):
    api.as_(supervisor).post(suspend(shop.pk))
    assert api.post(approve(shop.pk)).json()["status"] == "enrolled"


def test_a_supervisor_refuses_an_application(api, supervisor, unlisted_shop):
    refuse = f"/api/v1/merchants/{unlisted_shop.pk}/refuse/"
    assert "reason" in api.as_(supervisor).post(refuse).json()
    response = api.post(refuse, {"reason": "The credit code belongs to another company."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "refused"
    assert api.post(approve(unlisted_shop.pk)).status_code == 409
