"""The staff queue's region and priority filters, on the page and in the API."""

import pytest

QUEUE = "/council/"
API = "/api/v1/complaints/"


@pytest.fixture
def spread(file_complaint, li, bookshop, other_shop):
    return {
        "district": file_complaint(title="In Jiang'an"),
        "city": file_complaint(consumer=li, merchant=bookshop, title="In Wuhan city", category="safety"),
        "sibling": file_complaint(consumer=li, merchant=other_shop, title="In Yichang"),
    }


def listed(response) -> set[str]:
    return {case.case_number for case in response.context["page"]}


def test_region_filter_takes_a_council_and_the_ones_below_it(client, supervisor, spread, wuhan, jiangan):
    client.force_login(supervisor)

    city = client.get(QUEUE, {"region": wuhan.pk})
    district = client.get(QUEUE, {"region": jiangan.pk})

    assert listed(city) == {spread["district"].case_number, spread["city"].case_number}
    assert listed(district) == {spread["district"].case_number}


def test_region_choices_are_the_councils_of_the_jurisdiction(client, supervisor, spread, wuhan, jiangan, yichang):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"region": yichang.pk})

    assert list(response.context["filter_form"].fields["region"].queryset) == [wuhan, jiangan]
    assert "region" in response.context["filter_form"].errors
    assert spread["sibling"].case_number not in response.text


def test_the_province_supervisor_may_pick_either_city(client, province_supervisor, spread, yichang):
    client.force_login(province_supervisor)

    assert listed(client.get(QUEUE, {"region": yichang.pk})) == {spread["sibling"].case_number}


def test_priority_and_region_together_in_a_shareable_url(client, supervisor, spread, wuhan):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"region": wuhan.pk, "priority": "40"})

    assert listed(response) == {spread["city"].case_number}
    assert 'name="region"' in response.text and f'<option value="{wuhan.pk}" selected>' in response.text
    assert 'name="priority" value="40"' in response.text


def test_the_api_list_takes_the_same_filters(api, supervisor, spread, jiangan):
    client = api.as_(supervisor)

    by_region = client.get(API, {"region": jiangan.pk}).json()
    by_priority = client.get(API, {"priority": 40}).json()

    assert [c["case_number"] for c in by_region["results"]] == [spread["district"].case_number]
    assert [c["case_number"] for c in by_priority["results"]] == [spread["city"].case_number]


@pytest.mark.parametrize(
    "params", [{"priority": "-1"}, {"priority": "lots"}, {"priority": "99999999"}, {"region": "0"}]
)
def test_odd_values_are_form_errors_not_server_errors(client, api, supervisor, spread, params):
    client.force_login(supervisor)

    page = client.get(QUEUE, params)
    response = api.as_(supervisor).get(API, params)

    assert page.status_code == 200
    assert set(params) <= set(page.context["filter_form"].errors)
    assert response.status_code == 400
