"""The public statistics page and API: the merchants named for unanswered cases, the merchant
list with credit indexes, and a cache that is dropped when the figures change."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from complaints import violations, workflow
from complaints.models import ComplaintEvent
from mediation.figures import stale_since
from merchants import enrolment
from merchants.models import OverdueMark
from supervision.figures import PUBLIC_FIGURES_KEY, REFRESH_DELAY, refresh_if_stale
from supervision.figures import public_figures_for_readers as cached_public_figures

from .conftest import step


def overdue(case, *, days_ago=0):
    mark = OverdueMark.objects.create(merchant=case.merchant, complaint=case, stage=OverdueMark.Stage.ANSWER)
    OverdueMark.objects.filter(pk=mark.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))


def unsettled(case, *, days_ago=0):
    ComplaintEvent.objects.create(
        complaint=case,
        kind="settlement_deadline_passed",
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def named_data(file_complaint, li, shop, other_shop, unlisted_shop):
    overdue(file_complaint())  # the shop let its answer deadline pass
    unsettled(file_complaint())  # and one case went past the 14-day settlement limit
    overdue(file_complaint(consumer=li, merchant=other_shop), days_ago=400)  # too long ago
    fulfilment = file_complaint(consumer=li, merchant=other_shop)
    OverdueMark.objects.create(merchant=other_shop, complaint=fulfilment, stage=OverdueMark.Stage.FULFILMENT)
    overdue(file_complaint(merchant=unlisted_shop))  # never on the platform: not named


def test_the_stats_page_names_merchants_that_left_cases_unanswered(client, named_data, shop):
    response = client.get("/stats/")
    assert response.status_code == 200
    named = response.context["named_merchants"]
    assert [(row["name"], row["cases"]) for row in named] == [(shop.name, 2)]
    text = response.content.decode()
    section = text[text.index('id="named"') :]
    assert "Jiang&#x27;an Electronics" in section and "Yichang Furniture" not in section
    assert 'id="named-more"' not in section


def test_the_page_names_the_merchants_with_most_cases_and_says_how_many_more(
    client, file_complaint, shop, other_shop, monkeypatch
):
    from supervision import figures

    overdue(file_complaint())
    overdue(file_complaint())
    overdue(file_complaint(merchant=other_shop))
    monkeypatch.setattr(figures, "NAMED_ON_PAGE", 1)
    response = client.get("/stats/")
    assert [row["name"] for row in response.context["named_merchants"]] == [shop.name]
    assert "The 1 merchants with most such cases, of 2 named" in response.content.decode()


def test_the_public_stats_api_names_merchants_and_lists_credit_indexes(api, named_data, shop, other_shop, settings):
    settings.RECORD_MIN_CASES = 1  # the formula over a case or two; test_record_fairness.py checks the minimum
    body = api.get("/api/v1/public/stats/").json()
    assert [(m["id"], m["cases"]) for m in body["named_merchants"]] == [(shop.pk, 2)]
    assert body["merchant_period_days"] == 365
    indexes = {m["id"]: m["credit_index"] for m in body["merchants"]}
    assert set(indexes) == {shop.pk, other_shop.pk}
    # Two unanswered cases and one overdue mark, nothing else known: 0 of 1 due answered, less 5.
    assert indexes[shop.pk] == 0.0


def test_the_stats_page_lists_merchants_with_their_credit_index(client, shop, answered_case, wang, settings):
    settings.RECORD_MIN_CASES = 1  # the formula over a case or two; test_record_fairness.py checks the minimum
    case = answered_case()
    step(wang, case, "accept")
    response = client.get("/stats/")
    rows = {row["merchant"].pk: row["credit_index"] for row in response.context["merchant_rows"]}
    assert rows == {shop.pk: 100.0}
    assert f'href="/merchants/{shop.pk}/"' in response.content.decode()


def test_the_figures_are_cached(client, file_complaint, django_assert_max_num_queries):
    client.get("/stats/")
    file_complaint()
    with django_assert_max_num_queries(3):  # the page's merchant list only
        response = client.get("/stats/")
    assert 'id="figure-total"><span class="stat">0</span>' in response.content.decode()


def test_closing_a_case_marks_the_figures_stale_and_the_next_reader_gets_fresh_ones(
    file_complaint, wang, django_capture_on_commit_callbacks
):
    case = file_complaint()
    assert cached_public_figures()["closed"] == 0
    assert stale_since() is None
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
    assert stale_since() is not None
    assert cached_public_figures()["closed"] == 1  # the refresh the reader asked for ran (eager tasks)
    assert stale_since() is None


def test_the_periodic_job_refreshes_marked_figures_nobody_read(
    file_complaint, wang, django_capture_on_commit_callbacks
):
    case = file_complaint()
    cached_public_figures()
    assert refresh_if_stale() is False  # nothing changed: nothing computed
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
    assert refresh_if_stale() is True
    assert cache.get(PUBLIC_FIGURES_KEY)["figures"]["closed"] == 1
    assert refresh_if_stale() is False


@pytest.mark.parametrize("decision", ["suspend", "approve"])
def test_a_merchants_status_change_drops_the_cached_figures(
    supervisor, shop, unlisted_shop, decision, django_capture_on_commit_callbacks
):
    before = cached_public_figures()["enrolled_merchants"]
    with django_capture_on_commit_callbacks(execute=True):
        if decision == "suspend":
            enrolment.suspend_merchant(actor=supervisor, merchant_id=shop.pk)
        else:
            enrolment.approve_merchant(actor=supervisor, merchant_id=unlisted_shop.pk)
    after = cached_public_figures()["enrolled_merchants"]
    assert after == before + (1 if decision == "approve" else -1)


def test_a_confirmed_violation_drops_the_cached_figures(
    supervisor, wang, answered_case, django_capture_on_commit_callbacks, settings
):
    settings.RECORD_MIN_CASES = 1  # the formula over a case or two; test_record_fairness.py checks the minimum
    case = answered_case()
    step(wang, case, "report_violation", kind="harassment", message="Calls")
    before = {m["id"]: m["credit_index"] for m in cached_public_figures()["merchants"]}[case.merchant_id]
    with django_capture_on_commit_callbacks(execute=True):
        violations.confirm_violation(actor=supervisor, violation_id=case.violations.get().pk)
    after = {m["id"]: m["credit_index"] for m in cached_public_figures()["merchants"]}[case.merchant_id]
    assert after == before - 10


def test_nothing_is_dropped_when_the_change_is_rolled_back(file_complaint, wang, django_capture_on_commit_callbacks):
    from django.db import transaction

    case = file_complaint()
    cached_public_figures()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert cache.get(PUBLIC_FIGURES_KEY) is not None


def test_readers_get_stored_figures_while_a_refresh_runs_in_the_background(file_complaint, monkeypatch):
    """A million cases take seconds to count: no visitor waits for it once figures exist."""
    import datetime

    from django.utils import timezone

    from supervision import tasks

    scheduled = []
    monkeypatch.setattr(tasks.refresh_public_figures, "apply_async", lambda **kw: scheduled.append(kw))
    assert cached_public_figures()["total"] == 0  # the first reader computes them
    file_complaint()
    entry = cache.get(PUBLIC_FIGURES_KEY)
    entry["computed_at"] = timezone.now() - datetime.timedelta(minutes=6)
    cache.set(PUBLIC_FIGURES_KEY, entry)

    assert cached_public_figures()["total"] == 0  # stale, served at once
    assert cached_public_figures()["total"] == 0
    assert scheduled == [{"countdown": 0}]  # one refresh for both readers

    tasks.refresh_public_figures()  # what the worker runs
    assert cached_public_figures()["total"] == 1


def test_changes_meanwhile_are_one_refresh_and_a_broker_outage_loses_nothing(
    file_complaint, wang, monkeypatch, django_capture_on_commit_callbacks
):
    from supervision import tasks

    case, other = file_complaint(), file_complaint()
    cached_public_figures()
    scheduled = []
    monkeypatch.setattr(tasks.refresh_public_figures, "apply_async", lambda **kw: scheduled.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=wang, complaint_id=other.pk, action="withdraw")
    assert cached_public_figures()["closed"] == 0  # stored figures, at once
    assert cached_public_figures()["closed"] == 0
    assert scheduled == [{"countdown": REFRESH_DELAY}]  # one refresh for both changes and readers

    tasks.refresh_public_figures()
    assert cached_public_figures()["closed"] == 2

    def broker_down(**kw):
        raise ConnectionError("broker down")

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=wang, complaint_id=file_complaint().pk, action="withdraw")
    monkeypatch.setattr(tasks.refresh_public_figures, "apply_async", broker_down)
    assert cached_public_figures()["closed"] == 2  # logged, not raised
    monkeypatch.setattr(tasks.refresh_public_figures, "apply_async", lambda **kw: scheduled.append(kw))
    cached_public_figures()  # asked again once the broker is back
    assert scheduled[-1] == {"countdown": REFRESH_DELAY} and len(scheduled) == 2
    assert refresh_if_stale() is True  # and the periodic job would have refreshed them anyway
    assert cached_public_figures()["closed"] == 3


def test_the_public_api_renders_each_computation_once(api, file_complaint, django_assert_max_num_queries):
    file_complaint()
    first = api.get("/api/v1/public/stats/")
    with django_assert_max_num_queries(0):
        again = api.get("/api/v1/public/stats/")
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert again.json()["total"] == 1
