"""The council staff case queue (/council/) and dashboard (/council/dashboard/)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import workflow
from complaints.models import Complaint
from merchants.models import Merchant, MerchantStatus
from tests.conftest import proof_for

QUEUE = "/council/"
DASHBOARD = "/council/dashboard/"


def listed(response) -> set[str]:
    return {case.case_number for case in response.context["page"]}


def _respond(owner, case):
    return workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )


def _make_overdue(case):
    Complaint.objects.filter(pk=case.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))


@pytest.fixture
def bookshop(wuhan):
    """A merchant registered in Wuhan city itself."""
    return Merchant.objects.create(
        name="Wuhan Books", uscc="91420100MA4K0AAA0A", region=wuhan, status=MerchantStatus.ENROLLED
    )


@pytest.fixture
def varied(file_complaint, owner, bookshop):
    plain = file_complaint(title="Kettle leaks", order_number="ORD-1")
    safety = file_complaint(
        merchant=bookshop, category="safety", channel="livestream", title="Charger caught fire", order_number="ORD-2"
    )
    answered = _respond(owner, file_complaint(category="delivery", channel="offline", title="Parcel lost"))
    return {"plain": plain, "safety": safety, "answered": answered}


def test_url_names_match_the_nav():
    assert reverse("supervision:queue") == QUEUE
    assert reverse("supervision:dashboard") == DASHBOARD


# --- who may see the pages -------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, DASHBOARD])
@pytest.mark.parametrize("person", ["wang", "owner", "agent"])
def test_consumers_and_merchants_get_403_on_council_pages(request, client, url, person):
    client.force_login(request.getfixturevalue(person))

    response = client.get(url)

    assert response.status_code == 403
    assert "This page is for council staff" in response.text


@pytest.mark.parametrize("url", [QUEUE, DASHBOARD])
def test_anonymous_visitor_is_sent_to_login(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("person", ["supervisor", "mediator"])
def test_wuhan_staff_see_a_jiangan_case_and_not_a_yichang_case(request, client, file_complaint, li, other_shop, person):
    jiangan_case = file_complaint()
    yichang_case = file_complaint(consumer=li, merchant=other_shop)
    client.force_login(request.getfixturevalue(person))

    response = client.get(QUEUE, {"mine": "false"})  # a mediator's queue opens on their own cases

    assert response.status_code == 200
    assert jiangan_case.case_number in response.text
    assert yichang_case.case_number not in response.text


def test_yichang_supervisor_sees_the_yichang_case_and_not_the_jiangan_case(
    client, file_complaint, li, other_shop, sibling_supervisor
):
    jiangan_case = file_complaint()
    yichang_case = file_complaint(consumer=li, merchant=other_shop)
    client.force_login(sibling_supervisor)

    response = client.get(QUEUE)

    assert yichang_case.case_number in response.text
    assert jiangan_case.case_number not in response.text


# --- filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"plain", "safety", "answered"}),
        ({"status": "awaiting_consumer"}, {"answered"}),
        ({"status": "awaiting_merchant"}, {"plain", "safety"}),
        ({"category": "safety"}, {"safety"}),
        ({"category": "delivery"}, {"answered"}),
        ({"channel": "livestream"}, {"safety"}),
        ({"channel": "offline"}, {"answered"}),
        ({"q": "ORD-2"}, {"safety"}),
        ({"q": "caught fire"}, {"safety"}),
        ({"category": "quality", "status": "awaiting_merchant"}, {"plain"}),
    ],
)
def test_each_filter_narrows_the_queue(client, supervisor, varied, params, expected):
    client.force_login(supervisor)

    response = client.get(QUEUE, params)

    assert listed(response) == {varied[name].case_number for name in expected}


def test_search_by_case_number_finds_that_case(client, supervisor, varied):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"q": varied["answered"].case_number.lower()})

    assert listed(response) == {varied["answered"].case_number}


def test_merchant_filter_narrows_and_offers_only_merchants_in_the_jurisdiction(
    client, supervisor, varied, bookshop, shop, other_shop
):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"merchant": bookshop.pk})

    assert listed(response) == {varied["safety"].case_number}
    options = list(response.context["filter_form"].fields["merchant"].queryset)
    assert shop in options and bookshop in options
    assert other_shop not in options


def test_a_merchant_outside_the_jurisdiction_is_refused_as_a_filter(client, supervisor, varied, other_shop):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"merchant": other_shop.pk})

    assert response.status_code == 200
    assert "merchant" in response.context["filter_form"].errors


def test_overdue_filter(client, supervisor, varied):
    _make_overdue(varied["plain"])
    client.force_login(supervisor)

    overdue = client.get(QUEUE, {"overdue": "true"})
    on_time = client.get(QUEUE, {"overdue": "false"})

    assert listed(overdue) == {varied["plain"].case_number}
    assert listed(on_time) == {varied["safety"].case_number, varied["answered"].case_number}
    assert '<span class="badge overdue">Overdue</span>' in overdue.text


def test_filed_date_range(client, supervisor, varied):
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    Complaint.objects.filter(pk=varied["plain"].pk).update(filed_at=datetime.datetime(2025, 1, 10, 12, tzinfo=shanghai))
    Complaint.objects.filter(pk=varied["answered"].pk).update(
        filed_at=datetime.datetime(2025, 2, 10, 12, tzinfo=shanghai)
    )
    client.force_login(supervisor)

    before = client.get(QUEUE, {"filed_before": "2025-01-31"})
    between = client.get(QUEUE, {"filed_after": "2025-02-01", "filed_before": "2025-02-28"})
    after = client.get(QUEUE, {"filed_after": "2025-02-10"})

    assert listed(before) == {varied["plain"].case_number}
    assert listed(between) == {varied["answered"].case_number}
    assert listed(after) == {varied["answered"].case_number, varied["safety"].case_number}


def test_open_only_filter_leaves_out_closed_cases(client, supervisor, varied, wang):
    workflow.perform(actor=wang, complaint_id=varied["plain"].pk, action="withdraw")
    client.force_login(supervisor)

    response = client.get(QUEUE, {"open": "on"})

    assert listed(response) == {varied["safety"].case_number, varied["answered"].case_number}


def test_nonsense_filters_show_form_errors_not_a_server_error(client, supervisor, varied):
    client.force_login(supervisor)

    response = client.get(
        QUEUE,
        {
            "status": "nope",
            "filed_after": "yesterday",
            "merchant": "x",
            "overdue": "maybe",
            "page": "-3",
            "ordering": "password",
            "q": "a\x00b",
        },
    )

    assert response.status_code == 200
    assert {"status", "filed_after", "merchant"} <= set(response.context["filter_form"].errors)


def test_mediator_mine_filter_shows_only_cases_assigned_to_them(
    client, file_complaint, owner, wang, supervisor, mediator
):
    assigned = _respond(owner, file_complaint(title="Needs a mediator"))
    workflow.perform(actor=wang, complaint_id=assigned.pk, action="request_mediation", message="Please help")
    workflow.perform(actor=supervisor, complaint_id=assigned.pk, action="assign", mediator=mediator.pk)
    unassigned = file_complaint(title="Still with the merchant")
    client.force_login(mediator)

    everything = client.get(QUEUE, {"mine": "false"})
    mine = client.get(QUEUE, {"mine": "on"})

    assert listed(everything) == {assigned.case_number, unassigned.case_number}
    assert listed(mine) == {assigned.case_number}
    assert "Only cases assigned to me" in mine.text


def test_supervisor_has_no_mine_filter(client, supervisor, varied):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"mine": "on"})

    assert "mine" not in response.context["filter_form"].fields
    assert len(listed(response)) == 3


# --- order, display, pagination, cost ---------------------------------------------------


def test_ordering_can_be_chosen_in_the_url(client, supervisor, varied):
    client.force_login(supervisor)

    response = client.get(QUEUE, {"ordering": "-filed_at"})

    numbers = [case.case_number for case in response.context["page"]]
    assert numbers == [varied[n].case_number for n in ("answered", "safety", "plain")]


def test_queue_is_ordered_by_priority_then_filing_time(client, supervisor, varied):
    client.force_login(supervisor)

    response = client.get(QUEUE)

    numbers = [case.case_number for case in response.context["page"]]
    # The safety case scores highest; the other two follow in the order they were filed.
    assert numbers == [varied[n].case_number for n in ("safety", "plain", "answered")]


def test_priority_reasons_whose_move_and_countdown_are_shown(client, supervisor, varied):
    client.force_login(supervisor)

    response = client.get(QUEUE)

    assert "Safety complaint" in response.text
    assert "Live-stream purchase" in response.text
    assert 'data-label="Whose move">Consumer</td>' in response.text  # the answered case
    assert 'data-label="Whose move">Merchant</td>' in response.text
    assert "6 days 23 h left" in response.text


def test_pagination_keeps_the_filters(client, supervisor, file_complaint):
    quality = [file_complaint(title=f"Quality {i}") for i in range(27)]
    file_complaint(category="delivery", title="Delivery")
    client.force_login(supervisor)

    first = client.get(QUEUE, {"category": "quality"})

    assert len(first.context["page"].object_list) == 25
    link = re.search(r'href="(\?[^"]*page=2[^"]*)"', first.text).group(1).replace("&amp;", "&")
    assert "category=quality" in link
    second = client.get(QUEUE + link)
    assert len(second.context["page"].object_list) == 2
    assert listed(first) | listed(second) == {c.case_number for c in quality}


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(ctx)


def test_queue_runs_in_the_same_number_of_queries_for_3_and_30_cases(
    client, file_complaint, owner, wang, supervisor, mediator, shop, bookshop, django_assert_max_num_queries
):
    def add_cases(n):
        for i in range(n):
            case = file_complaint(merchant=bookshop if i % 2 else shop, title=f"Case {i}")
            if i % 3 == 0:
                workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")

    add_cases(3)
    assigned = _respond(owner, file_complaint())
    workflow.perform(actor=wang, complaint_id=assigned.pk, action="request_mediation", message="Help")
    workflow.perform(actor=supervisor, complaint_id=assigned.pk, action="assign", mediator=mediator.pk)
    client.force_login(supervisor)
    few = _queue_queries(client)

    add_cases(26)
    many = _queue_queries(client)

    assert few == many, (few, many)
    with django_assert_max_num_queries(10):
        client.get(QUEUE, {"category": "quality", "overdue": "false", "page": 2})


# --- dashboard --------------------------------------------------------------------------


@pytest.fixture
def wuhan_cases(file_complaint, owner, wang, unlisted_shop, li, other_shop):
    """Seven cases in Wuhan's jurisdiction in several states, and one in Yichang."""
    cases = {
        "new": file_complaint(title="New"),
        "late": file_complaint(title="Late"),
        "answered": _respond(owner, file_complaint(title="Answered")),
        "review": file_complaint(merchant=unlisted_shop, title="Review"),
    }
    settled = _respond(owner, file_complaint(title="Settled"))
    cases["settled"] = workflow.perform(actor=wang, complaint_id=settled.pk, action="accept")
    resolved = _respond(owner, file_complaint(title="Resolved"))
    workflow.perform(actor=wang, complaint_id=resolved.pk, action="accept")
    workflow.perform(
        actor=owner, complaint_id=resolved.pk, action="fulfil", message="Refunded, receipt 1", **proof_for(resolved)
    )
    cases["resolved"] = workflow.perform(actor=wang, complaint_id=resolved.pk, action="confirm")
    cases["withdrawn"] = workflow.perform(actor=wang, complaint_id=file_complaint(title="W").pk, action="withdraw")
    _make_overdue(cases["late"])
    cases["yichang"] = file_complaint(consumer=li, merchant=other_shop, title="Yichang case")
    return cases


def _count_cell(html: str, status: str) -> int:
    row = re.search(rf'data-status="{status}">.*?<td class="count">(\d+)</td>', html, re.S)
    return int(row.group(1))


def test_dashboard_counts_cases_by_state_in_the_jurisdiction(client, supervisor, wuhan_cases):
    client.force_login(supervisor)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    expected = {
        "under_review": 1,
        "awaiting_merchant": 2,
        "awaiting_consumer": 1,
        "in_mediation": 0,
        "settled": 1,
        "awaiting_confirmation": 0,
        "closed": 2,
    }
    assert {status: _count_cell(response.text, status) for status in expected} == expected
    assert 'href="/council/?status=awaiting_merchant"' in response.text


def test_dashboard_shows_open_new_today_overdue_and_resolution_rate_with_its_n(client, supervisor, wuhan_cases):
    client.force_login(supervisor)

    response = client.get(DASHBOARD)

    figures = response.context["figures"]
    assert (figures["open"], figures["new_today"], figures["overdue"]) == (5, 7, 1)
    assert re.search(r'id="figure-open">\s*<span class="stat">5</span>', response.text)
    assert re.search(r'id="figure-new-today">\s*<span class="stat">7</span>', response.text)
    assert re.search(r'id="figure-overdue">\s*<span class="stat">1</span>', response.text)
    assert 'href="/council/?overdue=true"' in response.text
    assert 'href="/council/?open=on"' in response.text
    assert "50.0%" in response.text
    assert "resolved 1 of 2 closed" in response.text


def test_dashboard_lists_overdue_cases_with_links(client, supervisor, wuhan_cases):
    client.force_login(supervisor)

    response = client.get(DASHBOARD)

    late = wuhan_cases["late"]
    section = response.text[response.text.index('id="overdue-cases"') :]
    assert f'href="{reverse("complaints:detail", args=[late.pk])}"' in section
    assert wuhan_cases["new"].case_number not in section


def test_dashboard_leaves_out_a_sibling_citys_cases(client, supervisor, sibling_supervisor, wuhan_cases):
    client.force_login(supervisor)
    wuhan_page = client.get(DASHBOARD)
    client.force_login(sibling_supervisor)
    yichang_page = client.get(DASHBOARD)

    assert wuhan_cases["yichang"].case_number not in wuhan_page.text
    assert yichang_page.context["figures"]["open"] == 1
    assert _count_cell(yichang_page.text, "awaiting_merchant") == 1
    assert _count_cell(yichang_page.text, "closed") == 0
    assert "resolved 0 of 0 closed" in yichang_page.text


def test_dashboard_cost_does_not_grow_with_the_number_of_cases(client, supervisor, file_complaint):
    def dashboard_queries():
        with CaptureQueriesContext(connection) as ctx:
            client.get(DASHBOARD)
        return len(ctx)

    for case in [file_complaint(), file_complaint()]:
        _make_overdue(case)
    client.force_login(supervisor)
    few = dashboard_queries()
    for case in [file_complaint() for _ in range(10)]:
        _make_overdue(case)

    assert dashboard_queries() == few
