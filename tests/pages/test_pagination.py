"""Every paginated page shows its page links with the one partial (templates/partials/pagination.html),
and the links keep the list's filters, tab and search.

Each list pages by one here (its page size is lowered), so two rows make two pages."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

import complaints.views.consumer
import notifications.views
import portal.views
import supervision.audit_views
import supervision.merchant_views
import supervision.notice_views
import supervision.public_merchants
import supervision.views
from audit.models import AuditEntry
from complaints import workflow
from mediation import paging
from merchants.models import ContactReveal, Merchant, MerchantStatus
from notifications.models import NoticeStatus, Notification


def two_hankou_shops(jiangan, **_):
    for i in range(2):
        Merchant.objects.create(
            name=f"Hankou Shop {i}", uscc=f"91420100{i}MA4K0XXX0", region=jiangan, status=MerchantStatus.ENROLLED
        )


def two_quality_cases(file_complaint, **_):
    file_complaint(title="Quality 1")
    file_complaint(title="Quality 2")
    file_complaint(category="delivery", title="Delivery")  # filtered out


def two_logins(supervisor, **_):
    AuditEntry.objects.bulk_create(
        AuditEntry(action="login", council_path=supervisor.council.path, created_at="2026-01-01T00:00:00Z")
        for _ in range(2)
    )


def two_notices_to_wang(file_complaint, owner, **_):
    case = file_complaint()
    for i in range(2):
        workflow.perform(actor=owner, complaint_id=case.pk, action="message", message=f"Note {i}")


def two_failed_notices(file_complaint, **_):
    for i in range(2):
        file_complaint(title=f"Case {i}")
    failed = Notification.objects.filter(complaint__isnull=False).order_by("id")
    Notification.objects.filter(pk__in=[n.pk for n in failed[:2]]).update(status=NoticeStatus.FAILED)


def two_cases(file_complaint, **_):
    file_complaint(title="Case 1")
    file_complaint(title="Case 2")


def two_reveals(file_complaint, shop, owner, **_):
    case = file_complaint()
    for _ in range(2):
        ContactReveal.objects.create(complaint=case, merchant=shop, user=owner)


def two_reports(file_complaint, wang, **_):
    for i in range(2):
        case = file_complaint(title=f"Case {i}")
        workflow.perform(
            actor=wang, complaint_id=case.pk, action="report_violation", kind="harassment", message="Called at night."
        )


# (page, view module whose page size is lowered, page size name, url, who, filters, rows)
PAGES = [
    (
        "queue",
        supervision.views,
        "PAGE_SIZE",
        "supervision:queue",
        "supervisor",
        {"category": "quality"},
        two_quality_cases,
    ),
    (
        "public stats",
        supervision.views,
        "PAGE_SIZE",
        "supervision:public_stats",
        None,
        {"q": "Hankou"},
        two_hankou_shops,
    ),
    (
        "audit log",
        supervision.audit_views,
        "PAGE_SIZE",
        "supervision:audit_log",
        "supervisor",
        {"action": "login", "day": "2026-01-01"},  # not the supervisor's own login today
        two_logins,
    ),
    ("notices", notifications.views, "PAGE_SIZE", "notifications:inbox", "wang", {}, two_notices_to_wang),
    (
        "failed notices",
        supervision.notice_views,
        "PAGE_SIZE",
        "supervision:notices",
        "supervisor",
        {},
        two_failed_notices,
    ),
    ("my complaints", complaints.views.consumer, "PAGE_SIZE", "complaints:mine", "wang", {}, two_cases),
    ("merchant inbox", portal.views, "PAGE_SIZE", "merchants:inbox", "owner", {"tab": "open"}, two_cases),
    (
        "merchants",
        supervision.public_merchants,
        "PAGE_SIZE",
        "merchants:public_list",
        None,
        {"q": "Hankou"},
        two_hankou_shops,
    ),
    (
        "council merchants",
        supervision.merchant_views,
        "PAGE_SIZE",
        "merchants:council_list",
        "supervisor",
        {"status": "enrolled", "q": "Hankou"},
        two_hankou_shops,
    ),
    (
        "violations",
        supervision.merchant_views,
        "PAGE_SIZE",
        "merchants:council_violations",
        "supervisor",
        {"status": "reported"},
        two_reports,
    ),
    (
        "phone reveals",
        supervision.merchant_views,
        "REVEALS_PAGE_SIZE",
        "merchants:contact_log",
        "supervisor",
        {},
        two_reveals,
    ),
]


def page_links(html: str) -> dict[str, dict[str, list[str]]]:
    """The partial's links by rel ("prev", "next"), each as its query parameters."""
    [nav] = re.findall(r"<nav class=\"pagination\" data-pagination.*?</nav>", html, flags=re.S)
    links = re.findall(r'href="([^"]*)" rel="(prev|next)"', nav)
    return {rel: parse_qs(urlsplit(href.replace("&amp;", "&")).query) for href, rel in links}


@pytest.fixture
def paginated(request, monkeypatch, client, jiangan, wang, owner, shop, supervisor, file_complaint):
    """Lower the page's size to one, add its two rows, log its person in; return its URL and filters."""
    _, module, size_name, url_name, who, filters, rows = request.param
    monkeypatch.setattr(module, size_name, 1)
    people = {"wang": wang, "owner": owner, "supervisor": supervisor}
    rows(jiangan=jiangan, file_complaint=file_complaint, owner=owner, shop=shop, supervisor=supervisor, wang=wang)
    if who:
        client.force_login(people[who])
    return reverse(url_name), filters


@pytest.mark.parametrize("paginated", PAGES, ids=[p[0] for p in PAGES], indirect=True)
def test_every_paginated_page_uses_the_partial_and_its_links_keep_the_filters(client, paginated):
    url, filters = paginated
    expected = {key: [value] for key, value in filters.items()}

    first = client.get(url, filters)

    assert first.status_code == 200
    links = page_links(first.text)
    assert set(links) == {"next"}
    assert links["next"] == {**expected, "page": ["2"]}

    second = client.get(url, {**filters, "page": 2})

    assert second.status_code == 200
    links = page_links(second.text)
    assert set(links) == {"prev"}
    assert links["prev"] == {**expected, "page": ["1"]}


def test_a_list_of_one_page_shows_no_page_links(client, supervisor, file_complaint):
    file_complaint()
    client.force_login(supervisor)

    response = client.get(reverse("supervision:queue"))

    assert response.status_code == 200
    assert "data-pagination" not in response.text


def test_capped_queue_says_more_than_and_still_pages(client, monkeypatch, supervisor, file_complaint):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr(supervision.views, "PAGE_SIZE", 1)
    for i in range(3):
        file_complaint(title=f"Case {i}")
    client.force_login(supervisor)

    response = client.get(reverse("supervision:queue"), {"page": 2})

    assert "more than 2 cases" in response.text
    assert "Page 2 of 2" in response.text
    assert set(page_links(response.text)) == {"prev"}
