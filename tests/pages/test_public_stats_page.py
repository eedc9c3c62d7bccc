"""The public statistics page at /stats/: open to anyone, figures cached for 5 minutes."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from complaints import deadlines, workflow
from complaints.models import Complaint
from merchants.models import Merchant, MerchantStatus
from supervision.figures import PUBLIC_FIGURES_KEY, PUBLIC_SUMMARY_KEY
from tests.conftest import proof_for

STATS = "/stats/"


def _respond(owner, case):
    return workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )


def _stat(html: str, figure_id: str) -> str:
    return re.search(rf'id="{figure_id}">\s*<span class="stat">([^<]*)</span>', html).group(1)


@pytest.fixture
def closed_cases(file_complaint, owner, wang):
    """One resolved case, one closed without confirmation, one without the consumer's reply, one still open."""
    resolved = _respond(owner, file_complaint(title="Resolved"))
    workflow.perform(actor=wang, complaint_id=resolved.pk, action="accept")
    workflow.perform(
        actor=owner, complaint_id=resolved.pk, action="fulfil", message="Refunded, receipt 1", **proof_for(resolved)
    )
    workflow.perform(actor=wang, complaint_id=resolved.pk, action="confirm")

    unconfirmed = _respond(owner, file_complaint(title="Unconfirmed", category="delivery"))
    workflow.perform(actor=wang, complaint_id=unconfirmed.pk, action="accept")
    workflow.perform(
        actor=owner,
        complaint_id=unconfirmed.pk,
        action="fulfil",
        message="Sent again, tracking 2",
        **proof_for(unconfirmed),
    )
    no_reply = _respond(owner, file_complaint(title="No reply", category="safety"))
    file_complaint(title="Still open")
    past = timezone.now() - datetime.timedelta(minutes=5)
    Complaint.objects.filter(pk__in=[unconfirmed.pk, no_reply.pk]).update(due_at=past)
    deadlines.apply_deadlines()

    outcomes = dict(Complaint.objects.values_list("title", "outcome"))
    assert outcomes == {"Resolved": "resolved", "Unconfirmed": "unconfirmed", "No reply": "no_reply", "Still open": ""}


def test_url_name():
    assert reverse("supervision:public_stats") == STATS


def test_anonymous_visitor_sees_the_platform_totals(client, file_complaint, li, other_shop, unlisted_shop):
    file_complaint()
    file_complaint(category="safety")
    file_complaint(consumer=li, merchant=other_shop)

    response = client.get(STATS)

    assert response.status_code == 200
    assert _stat(response.text, "figure-total") == "3"
    assert _stat(response.text, "figure-merchants") == "2"  # the shop and the other shop; not the applicant


def test_resolution_rate_counts_only_confirmed_cases_and_shows_the_others_on_their_own_lines(client, closed_cases):
    response = client.get(STATS)

    assert _stat(response.text, "figure-total") == "4"
    assert _stat(response.text, "figure-closed") == "3"
    assert _stat(response.text, "figure-resolution") == "33.3%"
    assert "resolved 1 of 3 closed" in response.text
    assert re.search(r'id="count-unconfirmed">1<', response.text)
    assert re.search(r'id="count-no-reply">1<', response.text)


def test_category_shares_with_their_counts(client, closed_cases):
    response = client.get(STATS)

    table = response.text[response.text.index('id="categories"') :]
    # Two quality complaints of four, one delivery, one safety.
    assert re.search(r"<td>Quality</td><td>2</td>.*?50\.0%", table, re.S)
    assert re.search(r"<td>Delivery</td><td>1</td>.*?25\.0%", table, re.S)
    assert re.search(r"<td>Safety</td><td>1</td>.*?25\.0%", table, re.S)
    assert "Shares of 4 complaints." in table


def test_figures_are_cached_for_five_minutes(client, file_complaint, django_assert_max_num_queries):
    file_complaint()
    client.get(STATS)
    file_complaint()

    with django_assert_max_num_queries(2):  # only the merchant list; no aggregate over complaints
        cached = client.get(STATS)
    assert _stat(cached.text, "figure-total") == "1"
    assert cache.get(PUBLIC_SUMMARY_KEY)["figures"]["total"] == 1

    cache.delete_many([PUBLIC_FIGURES_KEY, PUBLIC_SUMMARY_KEY])
    assert _stat(client.get(STATS).text, "figure-total") == "2"


def test_page_is_open_to_logged_in_people_too(client, wang, db):
    client.force_login(wang)

    assert client.get(STATS).status_code == 200


def test_enrolled_merchants_are_listed_with_their_region(client, shop, other_shop, unlisted_shop):
    response = client.get(STATS)

    listing = response.text[response.text.index('id="merchant-list"') :]
    assert f">{escape(shop.name)}</a></td><td>{escape(shop.region.name)}</td>" in listing
    assert f">{escape(other_shop.name)}</a></td><td>{escape(other_shop.region.name)}</td>" in listing
    assert escape(unlisted_shop.name) not in listing


def test_merchant_search_by_name(client, shop, other_shop):
    response = client.get(STATS, {"q": "furniture"})

    listing = response.text[response.text.index('id="merchant-list"') :]
    assert escape(other_shop.name) in listing
    assert escape(shop.name) not in listing


def test_merchant_list_paginates_and_keeps_the_search(client, jiangan):
    for i in range(30):
        Merchant.objects.create(
            name=f"Hankou Shop {i:02d}", uscc=f"9142010{i:02d}MA4K0XXX0", region=jiangan, status=MerchantStatus.ENROLLED
        )
    Merchant.objects.create(name="Other name", uscc="914201990MA4K0XXX0", region=jiangan, status="enrolled")

    first = client.get(STATS, {"q": "Hankou"})
    second = client.get(STATS, {"q": "Hankou", "page": 2})

    assert len(first.context["merchants"].object_list) == 25
    assert "?q=Hankou&amp;page=2" in first.text
    assert [m.name for m in second.context["merchants"]] == [f"Hankou Shop {i}" for i in range(25, 30)]


@pytest.mark.parametrize("params", [{"q": "x" * 500}, {"q": "a\x00b"}, {"page": "last"}, {"page": "999"}])
def test_odd_input_never_breaks_the_page(client, shop, params):
    assert client.get(STATS, params).status_code == 200
