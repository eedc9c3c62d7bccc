"""The dashboard, its API and the queue run a fixed number of queries, whatever the number of cases."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import workflow
from complaints.models import Complaint

DASHBOARD = "/council/dashboard/"
STATS = "/api/v1/stats/"
QUEUE = "/council/"
MAX_DASHBOARD_QUERIES = 16


def add_cases(n, file_complaint, owner, wang, unlisted_shop):
    """A mix of states, merchants, categories and overdue cases."""
    for i in range(n):
        category = ["quality", "delivery", "safety"][i % 3]
        if i % 4 == 0:
            file_complaint(merchant=unlisted_shop, category=category)  # to council review
            continue
        case = file_complaint(category=category)
        if i % 4 == 1:
            workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
        elif i % 4 == 2:
            workflow.perform(
                actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Refund", remedy="refund"
            )
        else:
            Complaint.objects.filter(pk=case.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx)


@pytest.fixture
def grow(file_complaint, owner, wang, unlisted_shop):
    def _grow(n):
        add_cases(n, file_complaint, owner, wang, unlisted_shop)

    return _grow


@pytest.mark.parametrize("params", [{}, {"filed_after": "2020-01-01", "filed_before": "2030-12-31"}])
def test_dashboard_queries_are_the_same_for_5_and_50_cases(
    client, supervisor, jiangan, grow, params, django_assert_max_num_queries
):
    params = {**params, "region": jiangan.pk} if params else params
    client.force_login(supervisor)
    grow(5)
    few = count_queries(client, DASHBOARD, params)

    grow(45)
    with django_assert_max_num_queries(MAX_DASHBOARD_QUERIES):
        many = count_queries(client, DASHBOARD, params)

    assert few == many, (few, many)


def test_stats_api_queries_are_the_same_for_5_and_50_cases(api, supervisor, grow, django_assert_max_num_queries):
    client = api.as_(supervisor)
    grow(5)
    few = count_queries(client, STATS)

    grow(45)
    with django_assert_max_num_queries(MAX_DASHBOARD_QUERIES):
        many = count_queries(client, STATS)

    assert few == many, (few, many)


def test_queue_with_the_new_filters_runs_a_fixed_number_of_queries(
    client, supervisor, jiangan, grow, django_assert_max_num_queries
):
    params = {"region": jiangan.pk, "priority": "10", "overdue": "false"}
    client.force_login(supervisor)
    grow(5)
    few = count_queries(client, QUEUE, params)

    grow(45)
    with django_assert_max_num_queries(12):
        many = count_queries(client, QUEUE, params)

    assert few == many, (few, many)


def test_figures_are_computed_once_a_minute_per_region_and_period(client, api, supervisor, jiangan, grow, settings):
    """A province's dashboard over years of cases is one pass over them all: it is computed
    at most once a minute (DASHBOARD_CACHE_SECONDS), for the page and the API alike, and says when."""
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(supervisor)
    grow(4)
    computed = count_queries(client, DASHBOARD)
    first = client.get(DASHBOARD)
    grow(4)
    assert count_queries(client, DASHBOARD) < computed
    again = client.get(DASHBOARD)
    assert again.context["figures"] == first.context["figures"]
    assert 'id="generated"' in again.content.decode()
    assert api.as_(supervisor).get(STATS).json()["total"] == first.context["figures"]["total"] == 4
    # Another region is computed on its own, with the new cases.
    other = client.get(DASHBOARD, {"region": jiangan.pk}).context["figures"]
    assert other["total"] == Complaint.objects.filter(council_path__startswith=jiangan.path).count()
    assert other["total"] > 4
