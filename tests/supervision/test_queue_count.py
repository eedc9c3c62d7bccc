"""The queue counts its cases up to a cap and says "more than" beyond it."""

import pytest

from mediation import paging

pytestmark = pytest.mark.django_db


def test_the_queue_says_more_than_the_cap(client, supervisor, file_complaint, monkeypatch):
    client.force_login(supervisor)
    for _ in range(4):
        file_complaint()
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    page = client.get("/council/")
    assert "more than 3 cases" in page.content.decode()
    assert page.context["page"].paginator.count == 3
    assert len(page.context["page"].object_list) == 3  # the queue lists the first COUNT_CAP, by priority

    narrowed = client.get("/council/", {"category": "delivery"})
    assert "0 cases" in narrowed.content.decode()
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    assert "4 cases" in client.get("/council/").content.decode()


def test_the_case_list_api_counts_up_to_the_cap(api, supervisor, file_complaint, monkeypatch):
    for _ in range(4):
        file_complaint()
    body = api.as_(supervisor).get("/api/v1/complaints/").json()
    assert (body["count"], body["count_capped"]) == (4, False)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    body = api.as_(supervisor).get("/api/v1/complaints/").json()
    assert (body["count"], body["count_capped"]) == (3, True)


def test_many_merchants_are_found_by_name_not_listed(client, supervisor, file_complaint, shop, other_shop, monkeypatch):
    from supervision import forms

    first = file_complaint(merchant=shop)
    file_complaint(merchant=other_shop)
    client.force_login(supervisor)
    assert 'name="merchant_name"' not in client.get("/council/").content.decode()

    monkeypatch.setattr(forms, "MERCHANT_CHOICES", 0)
    page = client.get("/council/")
    html = page.content.decode()
    assert 'name="merchant_name"' in html and f'<option value="{shop.pk}"' not in html
    found = client.get("/council/", {"merchant_name": shop.name[2:8]}).context["page"].object_list
    assert [case.pk for case in found] == [first.pk]
    # A link that names the merchant by its id still filters (the dashboard's links do).
    linked = client.get("/council/", {"merchant": shop.pk})
    assert [case.pk for case in linked.context["page"].object_list] == [first.pk]
    assert f'type="hidden" name="merchant" value="{shop.pk}"' in linked.content.decode()
