"""The pages people open most run a fixed number of queries, whatever the number of cases (no N+1)."""

import pytest

from tests.supervision.test_dashboard_queries import add_cases, count_queries

pytestmark = pytest.mark.django_db

# page, who opens it, its parameters, the most queries it may run
HOT_PAGES = [
    ("/merchant/", "owner", {}, 12),
    ("/my/", "wang", {}, 8),
    ("/council/", "supervisor", {"q": "屏幕"}, 12),
    ("/council/", "supervisor", {"status": "awaiting_merchant", "category": "quality"}, 12),
    ("/api/v1/complaints/", "owner", {}, 6),
    ("/api/v1/complaints/", "wang", {"q": "屏幕"}, 6),
]


@pytest.mark.parametrize("url, person, params, most", HOT_PAGES)
def test_hot_pages_run_the_same_queries_for_5_and_30_cases(
    request,
    client,
    url,
    person,
    params,
    most,
    file_complaint,
    owner,
    wang,
    unlisted_shop,
    django_assert_max_num_queries,
):
    user = request.getfixturevalue(person)
    client.force_login(user)

    def grow(n):
        add_cases(n, lambda **kw: file_complaint(title="手机屏幕碎裂", **kw), owner, wang, unlisted_shop)

    grow(5)
    count_queries(client, url, params)  # once first: how common a searched word is stays cached 10 minutes
    few = count_queries(client, url, params)
    grow(25)
    with django_assert_max_num_queries(most):
        many = count_queries(client, url, params)
    assert few == many, (few, many)
