"""Hostile consumers and merchants on the case itself: the daily filing limit under
concurrent filings, and offer dates that would keep a settled case from ever going overdue."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import workflow
from complaints.models import Complaint, Status
from tests.concurrency import at_once

DAY = datetime.timedelta(days=1)


# --- item 10: the daily filing limit holds under concurrent filings ----------------------------


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_filings_file_exactly_the_daily_limit(settings, wang, shop):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.COMPLAINTS_PER_DAY = 10
    body = {"merchant": shop.pk, "category": "quality", "channel": "ecommerce", "title": "T", "description": "D"}

    def file_one() -> int:
        client = APIClient()
        client.force_authenticate(user=wang)
        return client.post("/api/v1/complaints/", body, format="json").status_code

    codes = at_once(file_one, 30)

    assert sorted(codes) == [201] * 10 + [429] * 20
    assert Complaint.objects.filter(consumer=wang).count() == 10


# --- item 11: offer dates lie between today and OFFER_MAX_DAYS ahead ---------------------------


def _respond(api, owner, case, due_date):
    body = {"kind": "offer", "message": "We refund you.", "remedy": "refund", "due_date": due_date}
    return api.as_(owner).post(f"/api/v1/complaints/{case.pk}/respond/", body, format="json")


@pytest.mark.parametrize("due", ["9999-12-31", "far", "past"])
def test_an_offer_date_beyond_the_bound_or_past_is_a_field_error_on_the_api(api, owner, file_complaint, due):
    case = file_complaint()
    today = timezone.localdate()
    value = {"far": (today + 61 * DAY).isoformat(), "past": (today - DAY).isoformat()}.get(due, due)
    response = _respond(api, owner, case, value)
    assert response.status_code == 400
    assert "due_date" in response.json()
    assert Complaint.objects.get(pk=case.pk).status == Status.AWAITING_MERCHANT


def test_an_offer_date_on_the_bound_is_accepted(api, owner, file_complaint, settings):
    settings.OFFER_MAX_DAYS = 30
    case = file_complaint()
    last = timezone.localdate() + 30 * DAY
    assert _respond(api, owner, case, (last + DAY).isoformat()).status_code == 400
    response = _respond(api, owner, case, last.isoformat())
    assert response.status_code == 200
    assert response.json()["offer"]["due_date"] == last.isoformat()


def test_an_offer_date_beyond_the_bound_is_a_field_error_on_the_case_page(client, owner, file_complaint):
    case = file_complaint()
    client.force_login(owner)
    response = client.post(
        f"/cases/{case.pk}/act/respond/",
        {
            "respond-kind": "offer",
            "respond-message": "We refund you.",
            "respond-remedy": "refund",
            "respond-due_date": "9999-12-31",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/cases/{case.pk}/#action-respond", 302)]
    assert "60 days" in response.content.decode()
    assert Complaint.objects.get(pk=case.pk).status == Status.AWAITING_MERCHANT


def test_an_accepted_offer_made_before_the_bound_still_falls_due(owner, wang, file_complaint):
    """An offer written before the rule (9999-12-31 in the database) settles with a deadline
    within the bound, so the case can go overdue."""
    case = file_complaint()
    offered = workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )
    Complaint.objects.filter(pk=case.pk).update(offer={**offered.offer, "due_date": "9999-12-31"})
    settled = workflow.perform(actor=wang, complaint_id=case.pk, action="accept")
    assert settled.status == Status.SETTLED
    assert settled.due_at <= timezone.now() + 61 * DAY
