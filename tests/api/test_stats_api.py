"""Statistics API: jurisdiction figures for council staff, platform totals for everyone."""

import pytest

from complaints import workflow

STATS = "/api/v1/stats/"
PUBLIC = "/api/v1/public/stats/"


def test_a_supervisor_sees_the_figures_of_their_jurisdiction(api, file_complaint, wang, li, other_shop, supervisor):
    withdrawn = file_complaint()
    file_complaint(consumer=li)
    file_complaint(consumer=li, merchant=other_shop)  # Yichang: outside Wuhan
    workflow.perform(actor=wang, complaint_id=withdrawn.pk, action="withdraw")
    response = api.as_(supervisor).get(STATS)
    assert response.status_code == 200
    figures = response.json()
    assert figures["by_status"]["awaiting_merchant"] == 1
    assert figures["by_status"]["closed"] == 1
    assert figures["open"] == 1
    assert figures["new_today"] == 2
    assert figures["closed"] == 1
    assert figures["resolved"] == 0
    assert figures["resolution_rate"] == 0.0


def test_a_mediator_sees_the_figures_too(api, file_complaint, mediator):
    file_complaint()
    response = api.as_(mediator).get(STATS)
    assert response.status_code == 200
    assert response.json()["open"] == 1


def test_the_sibling_city_supervisor_does_not_count_wuhan_cases(api, file_complaint, sibling_supervisor):
    file_complaint()
    assert api.as_(sibling_supervisor).get(STATS).json()["open"] == 0


@pytest.mark.parametrize("person", ["wang", "owner", "agent"])
def test_others_may_not_see_staff_figures(api, request, person):
    response = api.as_(request.getfixturevalue(person)).get(STATS)
    assert response.status_code == 403


def test_staff_figures_need_a_login(api, db):
    assert api.get(STATS).status_code == 401


def test_anyone_sees_the_public_figures(api, file_complaint, shop, other_shop):
    file_complaint()
    file_complaint(category="safety")
    response = api.get(PUBLIC)
    assert response.status_code == 200
    figures = response.json()
    assert figures["total"] == 2
    assert figures["category_shares"] == {"quality": 50.0, "safety": 50.0}
    assert figures["enrolled_merchants"] == 2
    assert figures["resolution_rate"] is None
