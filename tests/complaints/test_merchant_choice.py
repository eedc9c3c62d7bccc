"""The page and the API store a complaint the same way, whichever merchant the consumer chose:
file_complaint alone decides (SPEC "Merchants": only enrolled merchants receive complaints
directly; one not enrolled goes to council review)."""

import pytest

from complaints.models import Complaint
from merchants.models import MerchantStatus

pytestmark = pytest.mark.django_db

FIELDS = {
    "category": "quality",
    "channel": "ecommerce",
    "platform": "Taobao",
    "order_number": "TB-0001",
    "amount": "2999.00",
    "demands": ["refund"],
    "title": "Phone screen cracked on arrival",
    "description": "The screen was cracked when I opened the box.",
}


def file_by_page(client, consumer, **merchant):
    client.force_login(consumer)
    data = {**FIELDS, "evidence_kind": "photo", **{k: v for k, v in merchant.items() if v is not None}}
    return client.post("/my/new/", data)


def file_by_api(api, consumer, **merchant):
    # Another order than the page's: a second open case for one order asks for a confirmation.
    body = {**FIELDS, "order_number": "TB-0002", **merchant}
    return api.as_(consumer).post("/api/v1/complaints/", body, format="json")


def stored(complaint: Complaint) -> tuple:
    return (
        complaint.merchant_id,
        complaint.merchant_name,
        complaint.council_id,
        complaint.status,
        complaint.waiting_on,
        complaint.settle_by is None,
    )


def both_ways(client, api, consumer, **merchant) -> tuple[tuple, tuple]:
    page = file_by_page(client, consumer, **merchant)
    assert page.status_code == 302
    by_page = Complaint.objects.latest("pk")
    response = file_by_api(api, consumer, **merchant)
    assert response.status_code == 201, response.json()
    by_api = Complaint.objects.get(pk=response.json()["id"])
    assert by_page.pk != by_api.pk
    return stored(by_page), stored(by_api)


def test_an_enrolled_merchant_receives_the_complaint_directly_from_both(client, api, wang, shop):
    by_page, by_api = both_ways(client, api, wang, merchant=shop.pk)
    assert by_page == by_api == (shop.pk, "", shop.region_id, "awaiting_merchant", "merchant", False)


def test_an_applied_merchant_is_chosen_and_the_council_reviews_from_both(client, api, wang, unlisted_shop):
    by_page, by_api = both_ways(client, api, wang, merchant=unlisted_shop.pk)
    assert by_page == by_api == (unlisted_shop.pk, "", unlisted_shop.region_id, "under_review", "council", True)


def test_a_merchant_not_on_the_platform_is_named_and_reviewed_from_both(client, api, wang, yichang):
    by_page, by_api = both_ways(client, api, wang, merchant_name="Street Stall", region=yichang.pk)
    assert by_page == by_api == (None, "Street Stall", yichang.pk, "under_review", "council", True)


@pytest.mark.parametrize("status", [MerchantStatus.SUSPENDED, MerchantStatus.REFUSED])
def test_a_suspended_or_refused_merchant_goes_to_council_review_from_both(client, api, wang, shop, status):
    shop.status = status
    shop.save()
    by_page, by_api = both_ways(client, api, wang, merchant=shop.pk)
    assert by_page == by_api == (shop.pk, "", shop.region_id, "under_review", "council", True)


def test_an_unknown_merchant_id_is_refused_by_both(client, api, wang, shop):
    unknown = shop.pk + 1000
    page = file_by_page(client, wang, merchant=unknown)
    assert page.status_code == 400
    assert page.context["form"].errors["merchant"] == ["No such merchant on the platform."]
    response = file_by_api(api, wang, merchant=unknown)
    assert response.status_code == 400
    assert response.json()["merchant"] == ["No such merchant on the platform."]
    assert not Complaint.objects.exists()
