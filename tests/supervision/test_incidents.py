"""Incidents through the pages and the API: opening one, its page with cases by state and
totals, adding the proposed cases, the bulk acts with their per-case results and once-only
sending, the consumer joining on the filing form and in the filing API, the public statistics."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from complaints import incidents, workflow
from complaints.models import Complaint, ComplaintEvent, EventKind, Status
from notifications.models import Channel, Notification
from supervision.figures import store_public_figures

API = "/api/v1/incidents/"


@pytest.fixture
def incident(supervisor, shop):
    return incidents.open_incident(actor=supervisor, merchant=shop, title="Prepaid cards", keywords="card")


@pytest.fixture
def cases(file_complaint, li, owner):
    waiting = file_complaint(title="Prepaid card refused", amount="100.00")
    mediated = file_complaint(consumer=li, title="My card is worthless", amount="300.00")
    workflow.perform(actor=owner, complaint_id=mediated.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=li, complaint_id=mediated.pk, action="request_mediation", message="Help")
    return waiting, mediated


# --- pages ------------------------------------------------------------------------------------


def test_a_supervisor_opens_an_incident_from_the_page(client, supervisor, shop):
    client.force_login(supervisor)
    response = client.get(reverse("supervision:incident_new"))
    assert response.status_code == 200
    response = client.post(
        reverse("supervision:incident_new"),
        {"merchant": shop.pk, "title": "Fake jade", "keywords": "jade", "public": "on"},
    )
    incident = supervisor.council.incidents.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "supervision:incident_detail", args=[incident.pk]
    )
    assert incident.public and incident.keywords == "jade"


def test_the_form_says_what_is_missing(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("supervision:incident_new"), {"title": ""})
    assert response.status_code == 400
    assert "Choose an enrolled merchant or write the merchant&#x27;s name." in response.content.decode()


def test_the_incident_page_proposes_cases_and_adds_the_ticked_ones(client, supervisor, incident, cases):
    waiting, mediated = cases
    client.force_login(supervisor)
    page = client.get(reverse("supervision:incident_detail", args=[incident.pk])).content.decode()
    assert f'id="propose-{waiting.pk}"' in page and f'id="propose-{mediated.pk}"' in page
    response = client.post(
        reverse("supervision:incident_cases", args=[incident.pk]), {"op": "add", "cases": [waiting.pk, mediated.pk]}
    )
    assert response.status_code == 302
    page = client.get(reverse("supervision:incident_detail", args=[incident.pk])).content.decode()
    assert 'id="total-cases">2<' in page and 'id="total-consumers">2<' in page
    assert "400.00" in page
    assert 'id="state-awaiting_merchant"' in page and 'id="state-in_mediation"' in page


def test_assigning_to_all_names_the_cases_that_could_not_take_it(client, supervisor, mediator, incident, cases):
    waiting, mediated = cases
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk, mediated.pk])
    client.force_login(supervisor)
    response = client.post(reverse("supervision:incident_assign", args=[incident.pk]), {"assign-mediator": mediator.pk})
    assert response.status_code == 302
    page = client.get(reverse("supervision:incident_detail", args=[incident.pk])).content.decode()
    assert 'id="refused-cases"' in page
    assert waiting.case_number in page and "A mediator is assigned only to a case in mediation" in page
    assert Complaint.objects.get(pk=mediated.pk).mediator == mediator


def test_the_message_form_sent_twice_reaches_each_case_once(client, supervisor, incident, cases):
    waiting, mediated = cases
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk, mediated.pk])
    client.force_login(supervisor)
    form = {"message-message": "The administrator will contact you.", "message-key": "a1b2c3"}
    for _ in range(2):
        response = client.post(reverse("supervision:incident_message", args=[incident.pk]), form)
        assert response.status_code == 302
    assert ComplaintEvent.objects.filter(kind=EventKind.INCIDENT_MESSAGE).count() == 2
    assert Notification.objects.filter(event="incident_message", channel=Channel.SMS).count() == 2


def test_the_collective_offer_form_checks_its_terms(client, supervisor, incident, cases):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:incident_offer", args=[incident.pk]),
        {"offer-remedy": "refund", "offer-amount": "10", "offer-percent": "50", "offer-message": "x"},
    )
    assert response.status_code == 400
    assert "not both" in response.content.decode()


def test_a_mediator_reads_the_incident_without_its_forms(client, mediator, incident):
    client.force_login(mediator)
    page = client.get(reverse("supervision:incident_detail", args=[incident.pk])).content.decode()
    assert incident.title in page and 'id="message-all"' not in page
    response = client.post(reverse("supervision:incident_message", args=[incident.pk]), {"message-message": "x"})
    assert response.status_code == 403


def test_the_incident_list_is_linked_from_the_staff_navigation(client, supervisor, incident):
    client.force_login(supervisor)
    page = client.get(reverse("supervision:queue")).content.decode()
    assert reverse("supervision:incident_list") in page
    page = client.get(reverse("supervision:incident_list")).content.decode()
    assert incident.title in page


def test_a_consumer_filing_sees_the_incident_and_joins_it(client, wang, shop, incident):
    client.force_login(wang)
    page = client.get(reverse("complaints:new") + f"?merchant={shop.pk}").content.decode()
    assert "The council is handling an incident about this merchant" in page
    assert f": {incident.title}</label>" in page
    response = client.post(
        reverse("complaints:new"),
        {
            "merchant": shop.pk,
            "category": "quality",
            "channel": "offline",
            "title": "My prepaid card",
            "description": "The shop closed.",
            "demands": ["refund"],
            "incident": incident.pk,
        },
    )
    assert response.status_code == 302
    case = Complaint.objects.get(title="My prepaid card")
    assert case.incident == incident
    page = client.get(reverse("complaints:detail", args=[case.pk])).content.decode()
    assert "The consumer joined the council&#x27;s incident about this merchant" in page


def test_closed_or_private_incidents_are_not_offered(client, wang, supervisor, shop, incident):
    incidents.open_incident(actor=supervisor, merchant=shop, title="Internal only", public=False)
    incidents.close_incident(actor=supervisor, incident_id=incident.pk)
    client.force_login(wang)
    page = client.get(reverse("complaints:new")).content.decode()
    assert "The council is handling an incident" not in page


def test_large_incidents_are_on_the_public_statistics(client, settings, incident, file_complaint):
    settings.INCIDENT_PUBLIC_MIN_CASES = 2
    for n in range(2):
        file_complaint(title=f"Card {n}", incident=incident.pk, order_number=f"C{n}")
    store_public_figures()
    page = client.get(reverse("supervision:public_stats")).content.decode()
    assert 'id="public-incidents"' in page and incident.title in page
    body = client.get("/api/v1/public/stats/").json()
    assert body["incidents"][0]["cases"] == 2 and body["incidents"][0]["merchant_name"] == "Jiang'an Electronics"


# --- API --------------------------------------------------------------------------------------


def test_the_api_opens_an_incident_and_shows_its_totals(api, supervisor, shop, cases):
    response = api.as_(supervisor).post(API, {"merchant": shop.pk, "title": "Cards", "keywords": "card"}, format="json")
    assert response.status_code == 201
    pk = response.json()["incident"]["id"]
    matches = api.get(f"{API}{pk}/matches/").json()
    assert {row["id"] for row in matches} == {c.pk for c in cases}
    added = api.post(f"{API}{pk}/cases/", {"add": [c.pk for c in cases]}, format="json").json()
    assert len(added["added"]["done"]) == 2
    detail = api.get(f"{API}{pk}/").json()
    assert detail["totals"]["cases"] == 2 and detail["totals"]["amount"] == "400.00"
    assert detail["totals"]["by_status"]["in_mediation"] == 1
    assert AuditEntry.objects.filter(action="incident.open", object_id=str(pk)).exists()


def test_the_api_sends_a_message_once_per_idempotency_key(api, supervisor, incident, cases):
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[c.pk for c in cases])
    client = api.as_(supervisor)
    first = client.post(f"{API}{incident.pk}/message/", {"message": "Hello"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(f"{API}{incident.pk}/message/", {"message": "Hello"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert len(first.json()["done"]) == 2 and len(again.json()["already"]) == 2


def test_the_api_records_a_collective_offer_and_names_the_ineligible_cases(api, supervisor, incident, cases, wang):
    waiting, mediated = cases
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk, mediated.pk])
    workflow.perform(actor=wang, complaint_id=waiting.pk, action="withdraw")
    body = {"remedy": "refund", "percent": "100", "message": "Full refund for every card."}
    response = api.as_(supervisor).post(f"{API}{incident.pk}/offer/", body, format="json")
    assert response.status_code == 200
    result = response.json()
    assert [r["id"] for r in result["done"]] == [mediated.pk]
    assert result["refused"][0]["id"] == waiting.pk and "Closed" in result["refused"][0]["reason"]
    mediated.refresh_from_db()
    assert mediated.status == Status.AWAITING_CONSUMER and mediated.offer["amount"] == "300.00"


def test_the_api_refuses_mediators_and_other_councils(api, mediator, sibling_supervisor, incident):
    response = api.as_(mediator).post(f"{API}{incident.pk}/message/", {"message": "x"}, format="json")
    assert response.status_code == 403 and "supervisors" in response.json()["detail"]
    response = api.as_(sibling_supervisor).get(f"{API}{incident.pk}/")
    assert response.status_code == 404


def test_acting_on_a_closed_incident_is_a_conflict(api, supervisor, incident):
    incidents.close_incident(actor=supervisor, incident_id=incident.pk)
    response = api.as_(supervisor).post(f"{API}{incident.pk}/message/", {"message": "x"}, format="json")
    assert response.status_code == 409


def test_a_consumer_joins_through_the_filing_api(api, wang, shop, incident):
    public = api.get(f"{API}public/?merchant={shop.pk}").json()
    assert public == [
        {"id": incident.pk, "merchant": shop.pk, "merchant_name": shop.name, "title": incident.title, "description": ""}
    ]
    body = {
        "merchant": shop.pk,
        "category": "quality",
        "channel": "offline",
        "title": "Card",
        "description": "Closed.",
        "incident": incident.pk,
    }
    response = api.as_(wang).post("/api/v1/complaints/", body, format="json")
    assert response.status_code == 201 and response.json()["incident"] == incident.pk
    body["incident"] = 999999
    body["order_number"] = "other"
    response = api.post("/api/v1/complaints/", body, format="json")
    assert response.status_code == 400 and "incident" in response.json()


def test_offer_amounts_are_proportional_to_each_claim(supervisor, incident, cases):
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[c.pk for c in cases])
    incidents.collective_offer(
        actor=supervisor, incident_id=incident.pk, message="Half back", remedy="refund", percent=Decimal("50")
    )
    assert sorted(Complaint.objects.filter(incident=incident).values_list("offer__amount", flat=True)) == [
        "150.00",
        "50.00",
    ]


def test_each_case_still_counts_once_in_the_figures(api, supervisor, incident, cases):
    before = api.as_(supervisor).get("/api/v1/stats/").json()
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[c.pk for c in cases])
    incidents.message_all(actor=supervisor, incident_id=incident.pk, message="Hello")
    after = api.get("/api/v1/stats/").json()
    assert after["total"] == before["total"] == 2 and after["by_status"] == before["by_status"]


def test_the_consumer_reads_the_collective_offer_on_the_case_page_and_accepts_it(
    client, supervisor, wang, incident, cases
):
    waiting, _mediated = cases
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk])
    incidents.collective_offer(
        actor=supervisor, incident_id=incident.pk, message="Full refund.", remedy="refund", amount=Decimal("100")
    )
    client.force_login(wang)
    page = client.get(reverse("complaints:detail", args=[waiting.pk])).content.decode()
    assert "The merchant's offer to everyone in the incident, recorded by the council" in page
    assert reverse("complaints:act", args=[waiting.pk, "accept"]) in page
    response = client.post(reverse("complaints:act", args=[waiting.pk, "accept"]), {"accept-agree": "on"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=waiting.pk).status == Status.SETTLED
