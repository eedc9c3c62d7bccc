"""The public record of an enrolled merchant and the searchable list with credit indexes."""

import pytest

from merchants.models import MerchantStatus

from .conftest import step


def test_an_enrolled_merchant_has_a_public_record_with_its_formula(client, shop, answered_case, wang):
    case = answered_case()
    step(wang, case, "accept")
    response = client.get(f"/merchants/{shop.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Jiang&#x27;an Electronics" in text and shop.uscc in text
    assert "How the credit index is computed" in text
    assert "100 × (40·A + 30·R + 30·S)" in text
    assert "Complaints received" in text and "Answered within the deadline" in text
    assert "the last 12 months" in text


@pytest.mark.parametrize("status", [MerchantStatus.APPLIED, MerchantStatus.SUSPENDED, MerchantStatus.REFUSED])
def test_a_merchant_not_enrolled_has_no_public_record(client, shop, status):
    shop.status = status
    shop.save()
    assert client.get(f"/merchants/{shop.pk}/").status_code == 404


def test_unknown_merchants_are_404(client, db):
    assert client.get("/merchants/999999/").status_code == 404
    assert client.get(f"/merchants/{'9' * 30}/").status_code == 404


def test_the_public_list_is_searchable_and_shows_indexes(client, shop, other_shop, unlisted_shop):
    text = client.get("/merchants/").content.decode()
    assert "Jiang&#x27;an Electronics" in text and "Yichang Furniture" in text
    assert "Corner Store" not in text
    found = client.get("/merchants/", {"q": "furniture"}).content.decode()
    assert "Yichang Furniture" in found and "Jiang&#x27;an Electronics" not in found
    assert "Credit index" in found


@pytest.mark.parametrize("q", ["\x00", "%", "'; DROP TABLE merchants_merchant; --", "x" * 500])
def test_odd_searches_never_break_the_list(client, shop, q):
    assert client.get("/merchants/", {"q": q}).status_code == 200


def test_the_list_computes_indexes_per_page_in_a_bounded_number_of_queries(
    client, shop, jiangan, django_assert_max_num_queries
):
    from merchants.models import Merchant

    from .conftest import make_uscc

    for i in range(30):
        Merchant.objects.create(
            name=f"Shop {i:02d}", uscc=make_uscc(f"91420102MA4K2{i:04d}"), region=jiangan, status="enrolled"
        )
    with django_assert_max_num_queries(8):
        response = client.get("/merchants/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25
